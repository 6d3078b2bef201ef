"""How soft a model's responses are, and how it spreads them over classes.

Statistics a teacher is chosen by: a confident teacher leaves little
"dark knowledge" (mass on the non-target classes) to distil (Vats and
Crandall, "Controlling the Quality of Distillation in Response-Based Network
Compression", arXiv 2112.10047, study this over the teacher's training;
their exact statistic could not be read, so these are akd's own, defined
below).

For rows r with target class y_r and class probabilities p_r over K
classes, summed here and divided in :func:`response_statistics`:

- entropy: mean_r H(p_r), in nats;
- non-target mass: mean_r (1 - p_r,y_r);
- non-target entropy: mean_r H(p^_r) / log(K-1), where p^_r is p_r over
  the K-1 other classes, renormalised: the shape of the dark knowledge
  whatever its mass, 1 when it is uniform;
- class similarity: with S_c the mean of p_r over the rows of class c,
  the mean over pairs of present classes c != c' of the cosine between
  S_c and S_c' with entries c and c' left out: how alike two classes'
  dark knowledge looks (1: every class puts it on the same classes).
"""
from typing import Dict, List, Optional

import torch
from torch import Tensor

from ...structures.pixel_samples import non_target


def response_sums(probs: Tensor, targets: Tensor) -> Dict[str, Tensor]:
    """Sums of one batch of rows, which add up across batches.

    Args:
        probs (Tensor): ``(R, K)`` class probabilities.
        targets (Tensor): ``(R, )`` target classes in [0, K).

    Returns:
        dict: float64 tensors: ``totals`` ``(4, )`` (row count, entropy sum,
        non-target mass sum, normalised non-target entropy sum),
        ``class_sums`` ``(K, K)`` (row c: the sum of p over rows of class c)
        and ``class_counts`` ``(K, )``.
    """
    R, K = probs.shape
    p = probs.double().clamp_min(0)
    entropy = -(p * p.clamp_min(1e-300).log()).sum(dim=1)  # (R, )
    target_p = p.gather(1, targets[:, None].long())[:, 0]  # (R, )
    others = non_target(p, targets.long())  # (R, K-1)
    others = others / others.sum(dim=1, keepdim=True).clamp_min(1e-300)
    non_target_entropy = -(others * others.clamp_min(1e-300).log()).sum(1)
    normaliser = torch.log(torch.tensor(float(max(K - 1, 2)),
                                        dtype=torch.float64))
    class_sums = torch.zeros(K, K, dtype=torch.float64, device=p.device)
    class_sums.index_add_(0, targets.long(), p)
    class_counts = torch.bincount(targets.long(), minlength=K).double()
    totals = torch.stack([
        torch.tensor(float(R), dtype=torch.float64, device=p.device),
        entropy.sum(), (1 - target_p).sum(),
        (non_target_entropy / normaliser.to(p.device)).sum()
    ])
    return dict(totals=totals, class_sums=class_sums,
                class_counts=class_counts)


def added_response_sums(
        results: List[Dict[str, Tensor]]) -> Optional[Dict[str, Tensor]]:
    """The :func:`response_sums` of several batches, added; None if none."""
    if not results:
        return None
    return {key: sum(r[key] for r in results) for key in results[0]}


def response_statistics(
        sums: Optional[Dict[str, Tensor]]) -> Dict[str, float]:
    """The four statistics from :func:`response_sums`, summed; NaN where
    nothing was counted (class similarity needs two present classes and a
    third class to compare them on)."""
    nan = float('nan')
    if sums is None:
        return dict.fromkeys(('entropy', 'non_target_mass',
                              'non_target_entropy', 'class_similarity'), nan)
    count, entropy, non_target, non_target_entropy = sums['totals'].tolist()
    class_sums, class_counts = sums['class_sums'], sums['class_counts']
    K = len(class_counts)
    stats = dict(
        entropy=entropy / count if count else nan,
        non_target_mass=non_target / count if count else nan,
        non_target_entropy=non_target_entropy / count if count else nan)
    present = class_counts.nonzero()[:, 0].tolist() if K > 2 else []
    means = class_sums / class_counts.clamp_min(1)[:, None]  # (K, K)
    cosines = []
    for i in present:
        for j in present:
            if i != j:
                kept = torch.ones(K, dtype=torch.bool)
                kept[[i, j]] = False
                cosines.append(
                    torch.nn.functional.cosine_similarity(
                        means[i, kept], means[j, kept], dim=0).item())
    stats['class_similarity'] = (sum(cosines) /
                                 len(cosines) if cosines else nan)
    return stats
