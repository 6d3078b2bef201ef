"""How soft a segmentor's responses are, per labelled pixel."""
from typing import Dict, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmrazor.registry import METRICS

from ..dense_predictions import labelled_pixel_rows
from ..functional.response_stats import (added_response_sums,
                                         response_statistics, response_sums)


@METRICS.register_module()
class SegResponseMetric(BaseMetric):
    """Entropy, non-target mass, non-target entropy and class similarity of
    the evaluated segmentor's softmax over its labelled pixels (the
    statistics of ``akd.evaluation.functional.response_stats``), the
    label of each pixel being its target. What
    ``tools/analysis/teacher_report.py`` compares teachers by.

    Keys: ``response/entropy``, ``response/non_target_mass``,
    ``response/non_target_entropy``, ``response/class_similarity``.

    Args:
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.
        collect_device (str): As mmengine's ``BaseMetric``.
        prefix (str, optional): Defaults to ``'response'``.
    """

    default_prefix = 'response'

    def __init__(self,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            logits, labels = labelled_pixel_rows(sample['seg_logits']['data'],
                                                 sample['gt_sem_seg']['data'],
                                                 self.ignore_index)
            sums = response_sums(logits.float().softmax(dim=1), labels)
            self.results.append({k: v.cpu() for k, v in sums.items()})

    def compute_metrics(self, results: list) -> Dict[str, float]:
        return response_statistics(added_response_sums(results))
