"""Student-teacher fidelity: top-1 agreement and the teacher-to-student KL.

Stanton et al., "Does Knowledge Distillation Really Work?", NeurIPS 2021.
https://arxiv.org/abs/2106.05945

Each row is one sample of a dense prediction (a labelled pixel, or an anchor
at a position); sums are returned so that batches and ranks add up.
"""
import torch
import torch.nn.functional as F
from torch import Tensor


def kl_rows(logits_T: Tensor, logits_S: Tensor, sigmoid: bool) -> Tensor:
    """KL(p_T || p_S) of each row.

    Softmax rows: ``sum_c p_T,c (log p_T,c - log p_S,c)``. Sigmoid rows
    (one-vs-all detection heads) treat each class as a Bernoulli variable
    and sum their KLs over the classes:
    ``sum_c p_T,c log(p_T,c/p_S,c) + (1-p_T,c) log((1-p_T,c)/(1-p_S,c))``.

    Args:
        logits_T (Tensor): ``(R, C)`` teacher logits.
        logits_S (Tensor): ``(R, C)`` student logits.
        sigmoid (bool): Whether the classes are independent sigmoids.

    Returns:
        Tensor: ``(R, )``.
    """
    logits_T, logits_S = logits_T.float(), logits_S.float()
    if not sigmoid:
        log_p_T = F.log_softmax(logits_T, dim=1)  # (R, C)
        log_p_S = F.log_softmax(logits_S, dim=1)  # (R, C)
        return (log_p_T.exp() * (log_p_T - log_p_S)).sum(dim=1)
    log_p_T, log_q_T = F.logsigmoid(logits_T), F.logsigmoid(-logits_T)
    log_p_S, log_q_S = F.logsigmoid(logits_S), F.logsigmoid(-logits_S)
    kl = log_p_T.exp() * (log_p_T - log_p_S) + log_q_T.exp() * (
        log_q_T - log_q_S)  # (R, C)
    return kl.sum(dim=1)


def fidelity_sums(logits_T: Tensor, logits_S: Tensor,
                  sigmoid: bool = False) -> Tensor:
    """Row count, top-1 agreements and summed KL(p_T || p_S).

    Agreement is ``argmax_c logits_T == argmax_c logits_S`` (the same class
    for softmax and sigmoid rows).

    Args:
        logits_T (Tensor): ``(R, C)`` teacher logits.
        logits_S (Tensor): ``(R, C)`` student logits.
        sigmoid (bool): Whether the classes are independent sigmoids.
            Defaults to False.

    Returns:
        Tensor: ``(3, )`` float64: count, agreements, KL sum.
    """
    if logits_T.shape != logits_S.shape:
        raise ValueError(
            f'teacher and student predictions differ in shape: '
            f'{tuple(logits_T.shape)} vs {tuple(logits_S.shape)}; fidelity '
            'compares models of the same classes (and, for detectors, the '
            'same anchors and strides).')
    agree = (logits_T.argmax(dim=1) == logits_S.argmax(dim=1)).sum()
    kl = kl_rows(logits_T, logits_S, sigmoid).sum()
    count = torch.tensor(float(logits_T.shape[0]), device=kl.device)
    return torch.stack([count, agree.float(), kl]).double()


def fidelity_metrics(sums: Tensor) -> dict:
    """``top1_agreement`` and ``kl`` (means over the rows) from the summed
    :func:`fidelity_sums`; NaN when no row was counted."""
    count, agree, kl = sums.tolist()
    if count == 0:
        return dict(top1_agreement=float('nan'), kl=float('nan'))
    return dict(top1_agreement=agree / count, kl=kl / count)
