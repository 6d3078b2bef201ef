"""One map or a tuple of levels (an FPN's), handled alike by the losses;
losses that keep their own state per level."""
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


class PerLevelLoss(nn.Module):
    """A loss with its own modules per level, such as MasKD's tokens.

    ``levels`` holds one loss module per level, each taking that level's
    student and teacher maps; the loss of a tuple of levels is the sum of
    theirs. ``AvatarKDLoss``, which perturbs level by level, distils level
    i with ``level(i, num_levels)`` (:func:`loss_of_level`).

    Subclasses fill ``levels`` and name, in ``levels_key``, the argument
    that sets how many there are.
    """
    levels: nn.ModuleList
    levels_key: str

    def level(self, index: int, num_levels: int) -> nn.Module:
        """The loss of level ``index`` of the ``num_levels`` recorded."""
        if num_levels != len(self.levels):
            raise ValueError(
                f'{type(self).__name__} has {len(self.levels)} levels (its '
                f'{self.levels_key}) but got {num_levels} tensors: give '
                f'{self.levels_key} one entry per recorded level, or record '
                'as many levels (data_idx picks one).')
        return self.levels[index]

    def forward(self, preds_S: Levels, preds_T: Levels) -> Tensor:
        """Args: preds_S, preds_T: one map, or a tuple of levels each."""
        levels_S, levels_T = paired_levels(self, preds_S, preds_T)
        return sum(
            self.level(index, len(levels_S))(student, teacher)
            for index, (student, teacher) in enumerate(zip(
                levels_S, levels_T)))


def loss_of_level(loss: nn.Module, index: int, num_levels: int) -> nn.Module:
    """The loss that distils level ``index`` of ``num_levels``: a
    ``PerLevelLoss``'s own, or ``loss`` itself, which serves every level."""
    if isinstance(loss, PerLevelLoss):
        return loss.level(index, num_levels)
    return loss
