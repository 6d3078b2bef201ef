"""Preparing a teacher by pruning it: criteria, masks, what may be pruned.

``tools/prepare_teacher.py`` runs it on a checkpoint; the registered
criteria (``MagnitudeCriterion``, ``PrUECriterion``) score the weights and
:func:`keep_masks` keeps the best-scored ones.
"""
from .criteria import MagnitudeCriterion, PrUECriterion
from .masks import apply_masks, keep_masks
from .prunable_weights import prunable_weights, sparsity

__all__ = [
    'MagnitudeCriterion', 'PrUECriterion', 'apply_masks', 'keep_masks',
    'prunable_weights', 'sparsity'
]
