"""Importance scores of a teacher's weights: the lowest are pruned.

- Magnitude: Park and No, "Prune Your Model Before Distill It", ECCV 2022,
  https://arxiv.org/abs/2109.14960 (global L1 magnitude of conv and
  linear weights; their code was read, not copied).
- PrUE: Wang et al., "PrUE: Distilling Knowledge from Sparse Teacher
  Networks", ECML-PKDD 2022, https://arxiv.org/abs/2207.00586 and
  https://github.com/wangshaopu/prue (MIT; read, not copied). The paper's
  method section could not be read here, so the score follows the
  official code.
"""
from typing import Dict, Iterable, Tuple

import torch
from mmrazor.registry import TASK_UTILS
from torch import Tensor, nn

from ..evaluation.dense_predictions import (class_scores,
                                            detector_positive_logits)
from ..structures.pixel_samples import anchor_view, label_rows


@TASK_UTILS.register_module()
class MagnitudeCriterion:
    """score_j = |w_j|: the smallest weights are pruned."""

    needs_data = False

    def scores(self, model: nn.Module, weights: Dict[str, nn.Parameter],
               batches: Iterable[dict] = ()) -> Dict[str, Tensor]:
        """``{name: |w|}``; the model and batches are not used."""
        return {name: w.detach().abs() for name, w in weights.items()}


def target_probabilities(model: nn.Module,
                         batch: dict) -> Tuple[Tensor, Tensor]:
    """``(R, )`` probability of the target class and ``(R, )`` that class,
    with gradient, for each sample of ``batch``.

    Samples are the labelled pixels of a segmentor's decode-head logits
    (labels resized to them by nearest neighbour; softmax), or a one-stage
    detector's anchors that its assigner gives an object (sigmoid of the
    object's class, or softmax for a softmax head).
    """
    if hasattr(model, 'decode_head'):
        data = model.data_preprocessor(batch, True)
        logits = model._forward(data['inputs'])  # (N, C, h, w)
        C = logits.shape[1]
        gt = torch.stack([s.gt_sem_seg.data for s in data['data_samples']])
        labels = label_rows(gt, logits, C)  # (N*h*w, )
        rows = anchor_view(logits).reshape(-1, C)  # (N*h*w, C)
        kept = labels < C  # also drops ignore_index
        probs = rows[kept].softmax(dim=1)
        return probs.gather(1, labels[kept, None])[:, 0], labels[kept]
    positives, sigmoid = detector_positive_logits(model, batch)
    logits = torch.cat([rows for rows, _ in positives])  # (P, K)
    labels = torch.cat([image_labels for _, image_labels in positives])
    probs = class_scores(logits, sigmoid)  # (P, C)
    return probs.gather(1, labels[:, None].long())[:, 0], labels


@TASK_UTILS.register_module()
class PrUECriterion:
    """PrUE's score, as its official code computes it.

    With the model in eval mode, over the given training batches:

    1. for each class c, pbar_c = the mean over samples of class c of the
       probability p_y of their target class (no gradient);
    2. G_j = sum over samples of d |pbar_y - p_y| / d w_j, the gradients
       summed with their signs over all batches;
    3. score_j = |w_j * G_j| (the connection sensitivity of SNIP, of the
       samples' spread around their class mean rather than of the loss).

    The weights least able to move the target probabilities around their
    class means are pruned; the paper reports that such a sparse teacher
    predicts less certainly and distils better students. Samples are
    pixels or assigned anchors (:func:`target_probabilities`).
    """

    needs_data = True

    def scores(self, model: nn.Module, weights: Dict[str, nn.Parameter],
               batches: Iterable[dict]) -> Dict[str, Tensor]:
        """``{name: |w * G|}`` for ``weights`` of ``model``.

        Args:
            model (nn.Module): The teacher, run in eval mode here (its mode
                and the weights' ``requires_grad`` are restored after).
            weights (dict): ``{name: weight}`` to score.
            batches (Iterable[dict]): Training batches, as a dataloader
                gives them.
        """
        batches = list(batches)
        if not batches:
            raise ValueError('PrUECriterion scores weights on training '
                             'batches: give at least one.')
        was_training = model.training
        flags = {name: w.requires_grad for name, w in weights.items()}
        model.eval()
        try:
            class_means = self._class_means(model, batches)
            for w in weights.values():
                w.requires_grad_(True)
            grads = [torch.zeros_like(w) for w in weights.values()]
            for batch in batches:
                p, y = target_probabilities(model, batch)
                means = class_means.to(p)[y.long()]  # (R, ) pbar of targets
                spread = (means - p).abs().sum()
                for grad, g in zip(grads, torch.autograd.grad(
                        spread, list(weights.values()), allow_unused=True)):
                    if g is not None:
                        grad += g
        finally:
            model.train(was_training)
            for name, w in weights.items():
                w.requires_grad_(flags[name])
        return {
            name: (w.detach() * grad).abs()
            for (name, w), grad in zip(weights.items(), grads)
        }

    @staticmethod
    def _class_means(model: nn.Module, batches: list) -> Tensor:
        """pbar_c for every class c up to the largest seen (0 if unseen)."""
        sums, counts = {}, {}
        with torch.no_grad():
            for batch in batches:
                p, y = target_probabilities(model, batch)
                for c in y.unique().tolist():
                    sums[c] = sums.get(c, 0.0) + p[y == c].sum().item()
                    counts[c] = counts.get(c, 0) + int((y == c).sum())
        if not sums:
            raise ValueError(
                'PrUECriterion found no labelled pixel or assigned anchor in '
                f'the {len(batches)} training batches: check the data (its '
                'annotations) or give more batches (--batches).')
        class_means = torch.zeros(max(sums) + 1)
        for c in sums:
            class_means[c] = sums[c] / counts[c]
        return class_means
