"""tools/train.py flushes denormal floats to zero before training."""
import importlib.util
import os.path as osp

import torch

from conftest import DET_STUDENT, REPO

DENORMAL = 1e-39  # below float32's smallest normal, 1.18e-38


def _load_train_tool():
    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_runs_with_denormals_flushed(toy_coco, monkeypatch):
    train_tool = _load_train_tool()
    seen = []

    class RecordingRunner:

        @staticmethod
        def from_cfg(cfg):
            return RecordingRunner()

        def train(self):
            seen.append((torch.tensor([DENORMAL]) * 1.0).item())

    monkeypatch.setattr(train_tool, 'Runner', RecordingRunner)
    torch.set_flush_denormal(False)
    assert (torch.tensor([DENORMAL]) * 1.0).item() != 0
    try:
        train_tool.main([osp.join(REPO, DET_STUDENT), '--data-root', toy_coco])
    finally:
        torch.set_flush_denormal(False)
    assert seen == [0.0]
