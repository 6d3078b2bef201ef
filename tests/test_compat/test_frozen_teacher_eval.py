"""A frozen teacher is entirely in eval mode while the student trains."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from conftest import REPO, SEG_DISTILL


def _algorithm(**overrides):
    cfg = Config.fromfile(osp.join(REPO, SEG_DISTILL))
    cfg.model.teacher_ckpt = None
    cfg.model.update(overrides)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(cfg.model)


def test_frozen_teacher_dropout_is_off_in_training():
    algorithm = _algorithm().train()
    assert algorithm.student.training
    assert not any(m.training for m in algorithm.teacher.modules())
    assert not algorithm.teacher.decode_head.dropout.training
    x = torch.randn(2, 3, 32, 64)
    with torch.no_grad():  # deterministic: no dropout mask
        first = algorithm.teacher(x, mode='tensor')
        assert torch.equal(first, algorithm.teacher(x, mode='tensor'))


def test_teacher_norm_eval_false_keeps_mmrazors_train_mode():
    algorithm = _algorithm(teacher_norm_eval=False).train()
    assert algorithm.teacher.decode_head.dropout.training


def test_trainable_teacher_trains():
    algorithm = _algorithm(teacher_trainable=True).train()
    assert algorithm.teacher.decode_head.dropout.training


def test_eval_puts_everything_in_eval_mode():
    algorithm = _algorithm().train().eval()
    assert not any(m.training for m in algorithm.modules())
