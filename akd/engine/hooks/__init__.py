"""Runner hooks: guards that stop a run at the first sign of a mistake, the
checkpoint hook that never deletes a checkpoint before its successor is
whole, the per-iteration seeding that makes a resumed run draw what the
uninterrupted one drew, the one that gives comparing metrics their model,
and the one that keeps a pruned teacher sparse while it is fine-tuned.

``tools/train.py`` adds the guards, the checkpoint hook (in the place of
mmengine's), the seeding and the metric model hook under
``default_hooks`` (``tools/test.py`` adds ``checkpoint_fit`` and
``metric_model``; ``tools/prepare_teacher.py`` adds ``keep_sparsity`` to
the fine-tune it runs); a config sets their arguments there, e.g.
``default_hooks = dict(non_finite_guard=dict(max_skips=3))``, and a script
that builds its own runner adds them the same way.
"""
from .checkpoint_fit_hook import CheckpointFitHook
from .distiller_gradient_check_hook import DistillerGradientCheckHook
from .iteration_seed_hook import IterationSeedHook
from .keep_sparsity_hook import KeepSparsityHook
from .metric_model_hook import MetricModelHook
from .non_finite_guard_hook import NonFiniteGuardHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'CheckpointFitHook', 'DistillerGradientCheckHook', 'IterationSeedHook',
    'KeepSparsityHook',
    'MetricModelHook', 'NonFiniteGuardHook', 'SafeCheckpointHook'
]
