"""Give metrics that run the evaluated model themselves (detection fidelity
and response statistics, which read a detector's dense head) that model."""
from mmengine.hooks import Hook
from mmrazor.registry import HOOKS

from ...evaluation.dense_predictions import evaluated_model


@HOOKS.register_module()
class MetricModelHook(Hook):
    """Before each validation and test, call ``attach_model`` on every metric
    of the loop's evaluator that has one, with the network the loop
    evaluates (a distillation's student, an online one's ``eval_peer``).

    ``tools/train.py`` and ``tools/test.py`` add it as
    ``default_hooks.metric_model``; it does nothing for other metrics.
    """

    priority = 'LOW'

    def before_val(self, runner) -> None:
        self._attach(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        self._attach(runner, runner.test_loop)

    @staticmethod
    def _attach(runner, loop) -> None:
        for metric in loop.evaluator.metrics:
            if hasattr(metric, 'attach_model'):
                metric.attach_model(evaluated_model(runner.model))
