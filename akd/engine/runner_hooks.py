"""akd's runner hooks in a config's ``default_hooks``.

``tools/train.py`` adds all of them, ``tools/test.py`` the checkpoint check
and the metric model; a script that builds its own runner calls
:func:`add_runner_hooks` on its config, or writes the same entries into it.
"""
from mmengine.config import Config

RUNNER_HOOKS = {
    'checkpoint': 'mmrazor.SafeCheckpointHook',
    'iteration_seed': 'mmrazor.IterationSeedHook',
    'non_finite_guard': 'mmrazor.NonFiniteGuardHook',
    'checkpoint_fit': 'mmrazor.CheckpointFitHook',
    'distiller_gradient_check': 'mmrazor.DistillerGradientCheckHook',
    'metric_model': 'mmrazor.MetricModelHook',
}
# mmengine's default hooks that akd's subclasses take the place of, and
# mmengine's own entry where a config does not name them.
REPLACED = {'checkpoint': ('CheckpointHook', dict(interval=1))}


def add_runner_hooks(cfg: Config, names) -> None:
    """Put akd's runner hooks ``names`` under ``default_hooks``.

    A config (or ``--cfg-options``) may already set their arguments, e.g.
    ``default_hooks.non_finite_guard.max_skips=3``, or switch one off with
    ``default_hooks.non_finite_guard=None``. An entry of mmengine's class
    that akd's extends (``CheckpointHook``) gets akd's with the same
    arguments; an entry of another class is kept as it is.
    """
    hooks = cfg.setdefault('default_hooks', {})
    for name in names:
        if name in hooks and hooks[name] is None:
            if name not in REPLACED:
                del hooks[name]  # switched off (mmengine rejects None here)
            continue
        upstream, default = REPLACED.get(name, (None, {}))
        given = dict(hooks[name] if name in hooks else default)
        if str(given.get('type', '')).split('.')[-1] not in ('', upstream):
            continue  # a class of the user's own
        given.pop('type', None)
        hooks[name] = {'type': RUNNER_HOOKS[name], **given}
