"""When the teacher of an online pair learns: always, never, or SwitOKD.

Qian et al., "Switchable Online Knowledge Distillation", ECCV 2022.
https://arxiv.org/abs/2209.04996
Official code (Apache-2.0), read, not copied:
https://github.com/hfutqian/SwitOKD
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce
from torch import Tensor

from ..structures.levels import Levels
from ..structures.pixel_samples import pixel_samples

SWITCH_POLICIES = ('always', 'never', 'switokd')


def switokd_sums(logits_S: Levels,
                 logits_T: Levels,
                 gt_labels: Levels,
                 tau: float = 1.0,
                 sigmoid: bool = False,
                 num_classes: Optional[int] = None) -> Tensor:
    """The sums behind SwitOKD's decision, over the labelled samples.

    Every labelled pixel (segmentation; the ignore index dropped) or
    positive anchor (detection; background dropped) is a sample, with
    p = softmax_C(z) (or sigmoid(z) per class for focal-loss heads), p_tau
    the same of z / tau, and y its one-hot label. Returns
    ``[sum ||p_tau^S - p_tau^T||_1, sum ||p^S - y||_1, sum ||p^T - y||_1,
    M]`` over the M samples, so that ranks can add them before the means
    are taken. As in the official code, ``tau`` scales the gap between the
    peers only: the distances to the labels are never tempered.
    """
    rows_S, rows_T, labels = pixel_samples(logits_S, logits_T, gt_labels,
                                           num_classes)
    rows_S, rows_T = rows_S.detach().float(), rows_T.detach().float()

    def probabilities(rows: Tensor, temperature: float) -> Tensor:
        rows = rows / temperature
        return rows.sigmoid() if sigmoid else rows.softmax(1)

    gap = (probabilities(rows_S, tau) - probabilities(rows_T, tau)).abs()
    p_S, p_T = probabilities(rows_S, 1.0), probabilities(rows_T, 1.0)
    y = F.one_hot(labels, rows_S.shape[1]).to(p_S.dtype)
    return torch.stack([gap.sum(), (p_S - y).abs().sum(),
                        (p_T - y).abs().sum(),
                        p_S.new_tensor(float(labels.numel()))])


def switokd_mode(sums: Tensor) -> Tuple[bool, Dict[str, float]]:
    """SwitOKD's mode from ``switokd_sums`` (added over ranks).

    With the batch means G = mean ||p^S - p^T||_1 (the distillation gap),
    d_S = mean ||p^S - y||_1 and d_T = mean ||p^T - y||_1,

        eps = exp(-d_T / (d_S + d_T)),    delta = d_S - eps * d_T,

    the pair is in expert mode (the teacher pauses) when G > delta and
    d_T < d_S: the gap is too wide and the teacher fits the labels better.
    Otherwise both learn. No labelled sample: learning mode.

    Returns:
        tuple: ``(expert, stats)``, stats the gap, threshold and mode (1.0
        expert) for the log.
    """
    gap_sum, s_sum, t_sum, count = sums.tolist()
    if count == 0:
        return False, dict(gap=0.0, threshold=0.0, expert=0.0)
    gap, d_S, d_T = gap_sum / count, s_sum / count, t_sum / count
    total = d_S + d_T
    eps = torch.exp(torch.tensor(-d_T / total)).item() if total > 0 else 1.0
    threshold = d_S - eps * d_T
    expert = gap > threshold and d_T < d_S
    return expert, dict(gap=gap, threshold=threshold, expert=float(expert))


class PeerSwitch:
    """Decides each iteration whether the teacher of the pair learns.

    Args:
        policy (str): ``'always'`` (every peer learns: DML, online BD-KD),
            ``'never'`` (the teacher runs but never updates) or
            ``'switokd'`` (``switokd_mode`` each iteration).
        teacher (str): The peer that pauses.
        student (str): The peer compared against it (SwitOKD).
        logits (dict): Where the logits are recorded in each peer:
            ``dict(recorder=..., data_idx=...)``.
        gt_labels (dict): Where the labels are recorded in the student.
        tau (float): Temperature of the peers' gap (the distances to the
            labels are never tempered, as in the official code).
        sigmoid (bool): Per-class sigmoids (focal-loss heads).
        num_classes (int, optional): C, when channels are anchors x C.
    """

    def __init__(self,
                 policy: str = 'always',
                 teacher: Optional[str] = None,
                 student: Optional[str] = None,
                 logits: Optional[dict] = None,
                 gt_labels: Optional[dict] = None,
                 tau: float = 1.0,
                 sigmoid: bool = False,
                 num_classes: Optional[int] = None) -> None:
        if policy not in SWITCH_POLICIES:
            raise ValueError(f'model.switch.policy must be one of '
                             f'{SWITCH_POLICIES}, got {policy!r}')
        if policy != 'always' and not teacher:
            raise ValueError(
                f"model.switch.policy={policy!r} pauses a teacher: name it "
                "with model.switch.teacher='<peer name>'")
        if policy == 'switokd' and not (student and logits and gt_labels):
            raise ValueError(
                "model.switch.policy='switokd' compares two peers' logits "
                'with the labels: give model.switch.student, '
                "model.switch.logits=dict(recorder='logits', ...) and "
                "model.switch.gt_labels=dict(recorder='gt_labels')")
        self.policy = policy
        self.teacher = teacher
        self.student = student
        self.logits = logits or {}
        self.gt_labels = gt_labels or {}
        self.tau = tau
        self.sigmoid = sigmoid
        self.num_classes = num_classes

    def paused(self, records) -> Tuple[set, Dict[str, float]]:
        """The peers that do not update this iteration, and log values.

        Args:
            records: ``records(peer, spec)`` gives a peer's recorded tensor
                for a spec such as ``self.logits``.
        """
        if self.policy == 'always':
            return set(), {}
        if self.policy == 'never':
            return {self.teacher}, {}
        sums = switokd_sums(
            records(self.student, self.logits),
            records(self.teacher, self.logits),
            records(self.student, self.gt_labels), self.tau, self.sigmoid,
            self.num_classes)
        all_reduce(sums, op='sum')  # one decision on every rank
        expert, stats = switokd_mode(sums)
        return ({self.teacher} if expert else set()), stats
