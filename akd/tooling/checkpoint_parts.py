"""Take one model out of a distillation checkpoint, as a plain one.

MMRazor's distillation algorithms keep the student under ``architecture.``
and the teacher under ``teacher.``; losses and connectors with parameters sit
under ``distiller.``. The student's checkpoint keeps only ``architecture.*``
with the prefix removed (or the keys under another prefix, e.g. the
teacher's), plus ``meta`` (dataset classes and palette), so mmdet's and
mmseg's own test flows load it.
"""
from collections import OrderedDict
from typing import Optional

import torch

from ..checkpoints.checkpoint_files import atomic_torch_save
from ..checkpoints.checkpoint_fit import STUDENT_PREFIX, sub_state


def part_state_dict(state_dict: dict,
                    prefix: Optional[str] = STUDENT_PREFIX) -> OrderedDict:
    """The weights under ``prefix`` (the student by default), under the
    keys the plain model expects; all of them if ``prefix`` is None (a
    plain model's checkpoint)."""
    if prefix is None:
        return OrderedDict(state_dict)
    prefix = prefix if prefix.endswith('.') else f'{prefix}.'
    part = sub_state(state_dict, prefix)
    if not part:
        prefixes = sorted({key.split('.')[0] for key in state_dict})
        plain = (': it is not an MMRazor distillation checkpoint, and a '
                 'plain model checkpoint needs no conversion'
                 if prefix == STUDENT_PREFIX else '')
        raise ValueError(f'no {prefix!r} keys in this checkpoint (top-level '
                         f'prefixes: {prefixes}){plain}.')
    return part


def part_checkpoint(checkpoint: dict,
                    prefix: Optional[str] = STUDENT_PREFIX) -> dict:
    """A plain checkpoint: the ``state_dict`` under ``prefix``, and
    ``meta``."""
    if 'state_dict' not in checkpoint:
        raise ValueError(
            "the checkpoint has no 'state_dict'; expected one saved by "
            "mmengine's CheckpointHook (keys: "
            f'{sorted(checkpoint)[:10]}).')
    converted = dict(
        state_dict=part_state_dict(checkpoint['state_dict'], prefix))
    if 'meta' in checkpoint:
        meta = {k: v for k, v in checkpoint['meta'].items()
                if k in ('dataset_meta', 'mmengine_version', 'cfg',
                         'experiment_name', 'seed', 'time', 'iter', 'epoch')}
        converted['meta'] = meta
    return converted


def save_part_checkpoint(checkpoint_path: str, out: str,
                         prefix: Optional[str] = STUDENT_PREFIX) -> dict:
    """Write the plain model under ``prefix`` of the checkpoint at
    ``checkpoint_path`` to ``out``, atomically; return it. Raises
    ValueError as ``part_checkpoint`` does."""
    converted = part_checkpoint(
        torch.load(checkpoint_path, map_location='cpu'), prefix)
    atomic_torch_save(converted, out)
    return converted
