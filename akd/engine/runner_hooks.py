"""akd's runner hooks in a config's ``default_hooks``.

``tools/train.py`` adds all four, ``tools/test.py`` the checkpoint check and
the metric model; a script that builds its own runner calls
:func:`add_runner_hooks` on its config, or writes the same entries into it.
"""
from mmengine.config import Config

RUNNER_HOOKS = {
    'non_finite_guard': 'mmrazor.NonFiniteGuardHook',
    'checkpoint_fit': 'mmrazor.CheckpointFitHook',
    'distiller_gradient_check': 'mmrazor.DistillerGradientCheckHook',
    'metric_model': 'mmrazor.MetricModelHook',
}


def add_runner_hooks(cfg: Config, names) -> None:
    """Put akd's runner hooks ``names`` under ``default_hooks``.

    A config (or ``--cfg-options``) may already set their arguments, e.g.
    ``default_hooks.non_finite_guard.max_skips=3``, or switch one off with
    ``default_hooks.non_finite_guard=None``.
    """
    hooks = cfg.setdefault('default_hooks', {})
    for name in names:
        if name in hooks and hooks[name] is None:
            del hooks[name]  # switched off (mmengine rejects None for it)
            continue
        hooks[name] = {'type': RUNNER_HOOKS[name], **hooks.get(name, {})}
