"""Student-teacher fidelity of a segmentor, per labelled pixel.

Stanton et al., "Does Knowledge Distillation Really Work?", NeurIPS 2021.
https://arxiv.org/abs/2106.05945
"""
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmrazor.registry import METRICS

from ..dense_predictions import labelled_pixel_rows, segmentor_logits
from ..functional.fidelity import fidelity_metrics, fidelity_sums
from ..reference_model import ReferenceModel


@METRICS.register_module()
class SegFidelityMetric(BaseMetric):
    """How closely the evaluated segmentor follows a teacher, pixel by pixel.

    Over the R labelled pixels of the evaluation set (ground truth other
    than ``ignore_index``; the labels are used for nothing else):

    - ``fidelity/top1_agreement`` = 1/R * sum_r [argmax_c s_rc ==
      argmax_c t_rc];
    - ``fidelity/kl`` = 1/R * sum_r KL(softmax(t_r) || softmax(s_r)),

    with s and t the student's and the teacher's logits at the original
    image size (mmseg's ``seg_logits``). The teacher runs on each evaluated
    batch. It is built with the metric, so a bad config or checkpoint stops
    the run at once, and it stays on the CPU between evaluations.

    Args:
        teacher (dict): ``dict(model=<model config, e.g. dict(cfg_path=...,
            pretrained=False)>, ckpt=<checkpoint>)``.
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.
        collect_device (str): As mmengine's ``BaseMetric``.
        prefix (str, optional): Defaults to ``'fidelity'``.
    """

    default_prefix = 'fidelity'

    def __init__(self,
                 teacher: dict,
                 ignore_index: int = 255,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.teacher = ReferenceModel(teacher, 'SegFidelityMetric.teacher')
        self.ignore_index = ignore_index

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        if not data_samples:
            return
        device = data_samples[0]['seg_logits']['data'].device
        with torch.no_grad():
            teacher_logits = segmentor_logits(
                self.teacher.get(device), data_batch)
        for sample, logits_T in zip(data_samples, teacher_logits):
            gt = sample['gt_sem_seg']['data']
            rows_S, _ = labelled_pixel_rows(sample['seg_logits']['data'], gt,
                                            self.ignore_index)
            rows_T, _ = labelled_pixel_rows(logits_T.to(device), gt,
                                            self.ignore_index)
            self.results.append(fidelity_sums(rows_T, rows_S).cpu())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        self.teacher.release()
        return fidelity_metrics(sum(results, torch.zeros(3)))
