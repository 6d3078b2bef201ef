"""Turn a distillation checkpoint into a plain mmdet/mmseg one.

MMRazor's distillation algorithms keep the student under ``architecture.``
and the teacher under ``teacher.``; losses and connectors with parameters sit
under ``distiller.``. The student's checkpoint keeps only ``architecture.*``
with the prefix removed, plus ``meta`` (dataset classes and palette), so
mmdet's and mmseg's own test flows load it.
"""
import os
import os.path as osp
from collections import OrderedDict

import torch

STUDENT_PREFIX = 'architecture.'


def student_state_dict(state_dict: dict) -> OrderedDict:
    """The student's weights, under the keys the plain model expects."""
    student = OrderedDict((key[len(STUDENT_PREFIX):], value)
                          for key, value in state_dict.items()
                          if key.startswith(STUDENT_PREFIX))
    if not student:
        prefixes = sorted({key.split('.')[0] for key in state_dict})
        raise ValueError(
            f'no {STUDENT_PREFIX!r} keys in this checkpoint (top-level '
            f'prefixes: {prefixes}): it is not an MMRazor distillation '
            'checkpoint, and a plain model checkpoint needs no conversion.')
    return student


def student_checkpoint(checkpoint: dict) -> dict:
    """A plain checkpoint: the student's ``state_dict`` and ``meta``."""
    if 'state_dict' not in checkpoint:
        raise ValueError(
            "the checkpoint has no 'state_dict'; expected one saved by "
            "mmengine's CheckpointHook (keys: "
            f'{sorted(checkpoint)[:10]}).')
    converted = dict(state_dict=student_state_dict(checkpoint['state_dict']))
    if 'meta' in checkpoint:
        meta = {k: v for k, v in checkpoint['meta'].items()
                if k in ('dataset_meta', 'mmengine_version', 'cfg',
                         'experiment_name', 'seed', 'time', 'iter', 'epoch')}
        converted['meta'] = meta
    return converted


def save_student_checkpoint(checkpoint_path: str, out: str) -> dict:
    """Write the plain student of the checkpoint at ``checkpoint_path`` to
    ``out``; return it. Raises ValueError as ``student_checkpoint`` does."""
    converted = student_checkpoint(
        torch.load(checkpoint_path, map_location='cpu'))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(converted, out)
    return converted
