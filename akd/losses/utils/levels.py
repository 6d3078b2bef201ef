"""One map or a tuple of levels (an FPN's), handled alike by the losses."""
from typing import Sequence, Tuple, Union

from torch import Tensor, nn

Levels = Union[Tensor, Sequence[Tensor]]


def as_levels(x: Levels) -> Sequence[Tensor]:
    """A tensor as one level; a sequence of tensors as it is."""
    return (x, ) if isinstance(x, Tensor) else x


def paired_levels(
        loss: nn.Module, preds_S: Levels,
        preds_T: Levels) -> Tuple[Sequence[Tensor], Sequence[Tensor]]:
    """Student and teacher as equally many levels; a tensor is one level.

    Raises a ``ValueError`` naming ``loss``'s class when the counts differ.
    """
    levels_S, levels_T = as_levels(preds_S), as_levels(preds_T)
    if len(levels_T) != len(levels_S):
        raise ValueError(
            f'{type(loss).__name__}: the student gave {len(levels_S)} '
            f'tensors (levels) but the teacher gave {len(levels_T)} '
            'tensors: record '
            'the same module outputs (e.g. neck) from both, or pick one '
            'level with data_idx.')
    return levels_S, levels_T
