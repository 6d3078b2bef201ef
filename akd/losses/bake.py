"""BAKE: soft targets ensembled from the other samples of the batch.

Ge et al., "Self-distillation with Batch Knowledge Ensembling Improves
ImageNet Classification", arXiv 2021. https://arxiv.org/abs/2104.13298
Official code (MIT licence, read, not copied): https://github.com/yxgeee/BAKE
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import Levels, as_levels
from ..structures.pixel_samples import label_rows, level_labels
from .dense_kl import cross_term
from .utils.loss_args import check_non_negative, check_positive


def position_rows(levels: Levels) -> Tensor:
    """``(N, K, H, W)`` maps (or a tuple of levels) as ``(M, K)`` rows, one
    per position, in (level, n, h, w) order."""
    return torch.cat([x.flatten(2).transpose(1, 2).flatten(0, 1)
                      for x in as_levels(levels)])


def position_samples(labels: Levels, levels: Levels,
                     ignore_index: int) -> Tensor:
    """``(M, )`` True for each position of ``position_rows(levels)`` that
    is a sample.

    ``labels`` are label maps of segmentation logits (resized to them; a
    pixel labelled ``ignore_index`` is no sample), or a dense head's
    per-anchor labels ``(N, H*W*A)`` per level (``DetTargetLabels``): a
    position is a sample if any of its A anchors is, i.e. labelled neither
    -1 (no label weight: ignored by the assigner, or in the batch's padding)
    nor ``ignore_index``. Background anchors are samples.
    """
    keeps = []
    for y, x in zip(labels, levels):
        if y.dim() >= 3:  # label maps
            y = label_rows(y, x, x.shape[1])
        positions = x.numel() // x.shape[1]
        if y.numel() % positions:
            raise ValueError(
                f'BAKELoss: gt_labels {tuple(y.shape)} do not fit logits '
                f'{tuple(x.shape)}: give label maps (N, H, W), or one label '
                'per anchor, (N, H*W*A) per level (DetTargetLabels).')
        sample = (y >= 0) & (y != ignore_index)
        keeps.append(sample.reshape(positions, -1).any(dim=1))
    return torch.cat(keeps)


def ensembled_targets(feats: Tensor, probs: Tensor, omega: float) -> Tensor:
    """BAKE's targets Q = (1 - omega) (I - omega A)^-1 P.

    A is the row softmax of the cosine affinities of ``feats`` ``(M, D)``
    with the diagonal masked (each sample ensembles the others), and P the
    samples' probabilities ``(M, K)``. Q is the limit of propagating
    P^(t+1) = omega A P^(t) + (1 - omega) P.
    """
    unit = F.normalize(feats, dim=1)
    affinity = unit @ unit.t()
    affinity.fill_diagonal_(float('-inf'))
    A = affinity.softmax(dim=1)
    eye = torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
    return (1 - omega) * torch.linalg.solve(eye - omega * A, probs)


@MODELS.register_module()
class BAKELoss(nn.Module):
    """Self-distillation from batch knowledge ensembles, every pixel or
    position a sample.

    From the positions of all images in the batch (pixels of the decode
    logits; every position of every FPN level for a dense detector), M =
    ``num_samples`` are drawn uniformly at random without replacement each
    iteration, which bounds the M x M affinity. Given ``gt_labels``, ignored
    pixels are left out, and so are the positions none of whose anchors has
    label weight (in the batch's padding, or ignored by the assigner). With
    f_i the feature and z_i the logits of sample i (detached for the
    targets),

        A_ij = exp(cos(f_i, f_j)) / sum_{k != i} exp(cos(f_i, f_k)),
        A_ii = 0,
        Q = (1 - omega) (I - omega A)^-1 softmax(Z / tau),
        L = loss_weight * tau^2 / M * sum_i KL(q_i || softmax(z_i / tau)).

    With ``sigmoid=True`` (focal-loss heads), each logit is its own binary
    distribution. Propagating the sigmoids keeps them in [0, 1], and the
    binary KLs are summed over the logits (all A x C of a position). The
    paper's samples are images, with their pooled features. Using pixels or
    positions, and sampling them, is akd's adaptation to dense prediction.
    There is no teacher and no extra parameter. The gradient reaches only
    the student's logits z_i in the KL.

    Args:
        tau (float): Temperature. Defaults to 4.0 (the paper's).
        omega (float): Propagation weight in [0, 1). Defaults to 0.5.
        num_samples (int): Positions drawn per iteration. Defaults to 1024.
        sigmoid (bool): Binary distributions per logit. Defaults to False.
        ignore_index (int): Label of ignored pixels. Defaults to 255.
        loss_weight (float): Defaults to 1.0 (the paper's lambda).
    """

    def __init__(self,
                 tau: float = 4.0,
                 omega: float = 0.5,
                 num_samples: int = 1024,
                 sigmoid: bool = False,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_positive(self, 'tau', tau)
        if not 0 <= omega < 1:
            raise ValueError(f'BAKELoss: omega must be in [0, 1), got '
                             f'{omega!r}')
        if not isinstance(num_samples, int) or num_samples < 2:
            raise ValueError(f'BAKELoss: num_samples must be an integer >= '
                             f'2, got {num_samples!r}')
        self.tau = tau
        self.omega = omega
        self.num_samples = num_samples
        self.sigmoid = sigmoid
        self.ignore_index = ignore_index
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: Levels,
                feats: Levels,
                gt_labels: Optional[Levels] = None) -> Tensor:
        """Args:
            preds_S (Tensor | Sequence[Tensor]): Logits ``(N, K, H, W)``,
                or one tensor per FPN level.
            feats (Tensor | Sequence[Tensor]): Features ``(N, D, H, W)`` at
                the same positions (per level).
            gt_labels (Tensor | Sequence[Tensor], optional): Label maps
                (segmentation), or per-anchor labels ``(N, H*W*A)`` per
                level (``DetTargetLabels``), to leave positions that are no
                samples out (:func:`position_samples`).
        """
        logits, features = self.samples(preds_S, feats, gt_labels)
        if logits.shape[0] < 2:  # nothing to ensemble from
            return logits.sum() * 0
        with torch.no_grad():
            z = logits.detach().float() / self.tau
            probs = z.sigmoid() if self.sigmoid else z.softmax(dim=1)
            targets = ensembled_targets(features.detach().float(), probs,
                                        self.omega)
            neg_entropy = torch.xlogy(targets, targets).sum()
            if self.sigmoid:
                neg_entropy += torch.xlogy(1 - targets, 1 - targets).sum()
        kl = neg_entropy - cross_term(logits.float(), targets, self.tau,
                                      self.sigmoid)
        return self.loss_weight * self.tau**2 * kl / logits.shape[0]

    def samples(self, preds_S: Levels, feats: Levels,
                gt_labels: Optional[Levels]) -> Tuple[Tensor, Tensor]:
        """The drawn ``(M, K)`` logit rows and ``(M, D)`` feature rows."""
        logits, features = position_rows(preds_S), position_rows(feats)
        if logits.shape[0] != features.shape[0]:
            raise ValueError(
                f'BAKELoss: {logits.shape[0]} logit positions but '
                f'{features.shape[0]} feature positions; record features at '
                "the logits' resolution (e.g. the inputs of the classifier "
                'conv, or the FPN levels of a dense head).')
        if gt_labels is not None:
            levels = as_levels(preds_S)
            keep = position_samples(
                level_labels(self, gt_labels, levels), levels,
                self.ignore_index)
            logits, features = logits[keep], features[keep]
        if logits.shape[0] > self.num_samples:
            drawn = torch.randperm(logits.shape[0],
                                   device=logits.device)[:self.num_samples]
            logits, features = logits[drawn], features[drawn]
        return logits, features

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, omega={self.omega}, '
                f'num_samples={self.num_samples}, sigmoid={self.sigmoid}')
