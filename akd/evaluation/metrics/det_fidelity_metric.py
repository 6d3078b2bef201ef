"""Student-teacher fidelity of a one-stage detector, per anchor.

Stanton et al., "Does Knowledge Distillation Really Work?", NeurIPS 2021.
https://arxiv.org/abs/2106.05945
"""
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmrazor.registry import METRICS
from torch import Tensor, nn

from ..dense_predictions import (class_scores, detector_logit_rows,
                                 require_model)
from ..functional.fidelity import fidelity_metrics, fidelity_sums
from ..reference_model import ReferenceModel


def foreground_rows(logits: Tensor, sigmoid: bool,
                    score_thr: float) -> Tensor:
    """The rows whose best class score (:func:`class_scores`) reaches
    ``score_thr``."""
    return class_scores(logits, sigmoid).max(dim=1).values >= score_thr


@METRICS.register_module()
class DetFidelityMetric(BaseMetric):
    """How closely the evaluated detector's dense head follows a teacher's.

    Each row r is one anchor at one position of one FPN level, inside the
    image (not in the batch's padding); s_r and t_r are the student's and
    the teacher's class logits there (before NMS).
    Over the R rows where the teacher's best class score reaches
    ``score_thr`` (the positions where the teacher sees an object):

    - ``fidelity/top1_agreement`` = 1/R * sum_r [argmax_c s_rc ==
      argmax_c t_rc];
    - ``fidelity/kl`` = 1/R * sum_r KL(p(t_r) || p(s_r)), with softmax rows
      for a softmax head and, for a sigmoid head, the sum of the per-class
      Bernoulli KLs.

    Student and teacher need the same classes, anchors and strides. The
    teacher is built with the metric, so a bad config or checkpoint stops
    the run at once, and it stays on the CPU between evaluations. The
    metric runs the student's head itself, so the runner must give it the
    model: ``tools/train.py`` and ``tools/test.py`` add
    ``default_hooks.metric_model`` (``mmrazor.MetricModelHook``) for this.

    Args:
        teacher (dict): ``dict(model=<model config, e.g. dict(cfg_path=...,
            pretrained=False)>, ckpt=<checkpoint>)``.
        score_thr (float): Teacher score from which a row counts, in
            [0, 1]; 0 counts every anchor. Defaults to 0.05, mmdet's test
            ``score_thr``.
        collect_device (str): As mmengine's ``BaseMetric``.
        prefix (str, optional): Defaults to ``'fidelity'``.
    """

    default_prefix = 'fidelity'

    def __init__(self,
                 teacher: dict,
                 score_thr: float = 0.05,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 <= score_thr <= 1:
            raise ValueError('DetFidelityMetric.score_thr must be in [0, 1], '
                             f'got {score_thr}')
        self.teacher = ReferenceModel(teacher, 'DetFidelityMetric.teacher')
        self.score_thr = score_thr
        self.model: Optional[nn.Module] = None

    def attach_model(self, model: nn.Module) -> None:
        """The evaluated detector (``MetricModelHook`` calls this)."""
        self.model = model

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        model = require_model(self.model, type(self).__name__)
        device = next(model.parameters()).device
        with torch.no_grad():
            rows_S, sigmoid = detector_logit_rows(model, data_batch, True)
            rows_T, _ = detector_logit_rows(
                self.teacher.get(device), data_batch, True)
        for logits_S, logits_T in zip(rows_S, rows_T):
            if logits_S.shape != logits_T.shape:
                raise ValueError(
                    'DetFidelityMetric: student and teacher heads give '
                    f'{tuple(logits_S.shape)} and {tuple(logits_T.shape)} '
                    '(anchors x classes) per image; compare detectors with '
                    'the same classes, anchors and strides.')
            kept = foreground_rows(logits_T, sigmoid, self.score_thr)
            self.results.append(
                fidelity_sums(logits_T[kept], logits_S[kept], sigmoid).cpu())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        self.teacher.release()
        return fidelity_metrics(sum(results, torch.zeros(3)))
