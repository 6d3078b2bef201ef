"""How soft a one-stage detector's responses are, per positive anchor."""
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmrazor.registry import METRICS
from torch import nn

from ..dense_predictions import (class_probabilities, detector_positive_logits,
                                 require_model)
from ..functional.response_stats import (added_response_sums,
                                         response_statistics, response_sums)


@METRICS.register_module()
class DetResponseMetric(BaseMetric):
    """The statistics of ``SegResponseMetric`` for a detector's dense head.

    The rows are the anchors that the head's own assigner gives an object
    (``AnchorHead.get_targets`` in its loss: RetinaNet-style heads), with
    that object's class as target. The class probabilities are a sigmoid
    head's scores renormalised over the classes (a softmax head's softmax
    without the background, renormalised). The metric runs the evaluated
    detector itself, so it needs ``default_hooks.metric_model``
    (``tools/train.py`` and ``tools/test.py`` add it), and annotations in
    the test pipeline.

    Args:
        collect_device (str): As mmengine's ``BaseMetric``.
        prefix (str, optional): Defaults to ``'response'``.
    """

    default_prefix = 'response'

    def __init__(self,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.model: Optional[nn.Module] = None

    def attach_model(self, model: nn.Module) -> None:
        """The evaluated detector (``MetricModelHook`` calls this)."""
        self.model = model

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        with torch.no_grad():
            rows, sigmoid = detector_positive_logits(
                require_model(self.model, type(self).__name__), data_batch)
        for logits, labels in rows:
            sums = response_sums(class_probabilities(logits, sigmoid), labels)
            self.results.append({k: v.cpu() for k, v in sums.items()})

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return response_statistics(added_response_sums(results))
