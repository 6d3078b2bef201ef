"""Checkpoints saved on a GPU load onto the CPU first."""
import pytest
import torch
import torch.serialization as serialization
from mmengine.runner import load_checkpoint
from torch import nn

import akd  # noqa: F401
from akd.checkpoints.checkpoint_files import read_checkpoint
from akd.checkpoints.checkpoint_fit import load_teacher


def _save_as_if_on_gpu(obj, path):
    """``torch.save`` tagging every CPU storage 'cuda:0', as a checkpoint
    written on GPU 0 is."""
    entry = (-1, lambda storage: 'cuda:0', lambda obj, location: None)
    serialization._package_registry.insert(0, entry)
    try:
        torch.save(obj, path)
    finally:
        serialization._package_registry.remove(entry)


def _load_as_frozen_teacher(model, path):
    """What ``FrozenTeacherDistill`` does with ``teacher_ckpt``."""
    key = 'model.teacher_ckpt'
    load_teacher(model, read_checkpoint(path, key), key, path, 'model.teacher')


def test_gpu_saved_teacher_loads_to_the_cpu(tmp_path):
    torch.manual_seed(0)
    path = str(tmp_path / 'teacher.pth')
    saved = nn.Linear(3, 2)
    _save_as_if_on_gpu(dict(state_dict=saved.state_dict()), path)
    if not torch.cuda.is_available():  # the file really names a GPU
        with pytest.raises(RuntimeError, match='CUDA'):
            torch.load(path)
    for load in (load_checkpoint, _load_as_frozen_teacher):
        model = nn.Linear(3, 2)
        load(model, path)
        assert model.weight.device.type == 'cpu'
        assert torch.equal(model.weight, saved.weight)
