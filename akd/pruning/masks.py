"""Keep masks from importance scores: the lowest-scored share is pruned."""
from typing import Dict

import torch
from torch import Tensor


def keep_masks(scores: Dict[str, Tensor], sparsity: float,
               scope: str = 'global') -> Dict[str, Tensor]:
    """Bool masks that keep all but the ``sparsity`` share of lowest scores.

    Args:
        scores (dict): ``{name: scores}``, one tensor per weight.
        sparsity (float): The share to prune, in [0, 1).
        scope (str): ``'global'`` ranks all weights together (one
            threshold, so layers lose different shares), ``'layer'`` prunes
            each tensor by the same share.

    Returns:
        dict: ``{name: bool tensor}``, True where the weight stays. Exactly
        ``round(sparsity * n)`` entries are pruned among the n ranked
        together (ties are broken by position).
    """
    if not 0 <= sparsity < 1:
        raise ValueError(f'sparsity must be in [0, 1), got {sparsity}')
    if scope not in ('global', 'layer'):
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    if scope == 'layer':
        return {
            name: _keep_highest(score.flatten(), sparsity).reshape(
                score.shape)
            for name, score in scores.items()
        }
    flat = torch.cat([s.flatten().float() for s in scores.values()])
    kept = _keep_highest(flat, sparsity)
    masks, start = {}, 0
    for name, score in scores.items():
        masks[name] = kept[start:start + score.numel()].reshape(score.shape)
        start += score.numel()
    return masks


def apply_masks(weights: Dict[str, Tensor],
                masks: Dict[str, Tensor]) -> None:
    """Zero, in place, the weights that ``masks`` (``{name: bool}``, a
    subset of ``weights``' names) do not keep."""
    with torch.no_grad():
        for name, mask in masks.items():
            weights[name].mul_(mask)


def _keep_highest(scores: Tensor, sparsity: float) -> Tensor:
    """Bool mask of ``scores`` (1-D) without its ``sparsity`` share of
    lowest values; of equal scores, the earlier ones are pruned first."""
    pruned = round(sparsity * scores.numel())
    kept = torch.ones_like(scores, dtype=torch.bool)
    kept[scores.float().argsort(stable=True)[:pruned]] = False
    return kept
