"""``SingleTeacherDistill`` loads ``teacher_ckpt`` fully, or refuses."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from akd.engine.guard_error import GuardError
from conftest import DET_DISTILL, REPO


def _build(teacher_ckpt):
    cfg = Config.fromfile(osp.join(REPO, DET_DISTILL))
    cfg.model.teacher_ckpt = teacher_ckpt
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(cfg.model)


def test_fitting_teacher_checkpoint_fills_the_teacher(toy_weights):
    algorithm = _build(toy_weights['det_teacher'])
    expected = torch.load(toy_weights['det_teacher'])['state_dict']
    for key, value in algorithm.teacher.state_dict().items():
        assert torch.equal(value, expected[key]), key
    assert algorithm.teacher._is_init


def test_teacher_checkpoint_of_the_student_is_refused(toy_weights):
    with pytest.raises(GuardError, match=r'model.teacher_ckpt=.* does not '
                       r'fit model.teacher \(RetinaNet\): it fills 19.0%'):
        _build(toy_weights['det_student'])


def test_unreadable_teacher_checkpoint_is_named(tmp_path):
    torn = tmp_path / 'teacher.pth'
    torn.write_bytes(b'PK\x03\x04 torn')
    with pytest.raises(GuardError, match='is not a readable checkpoint'):
        _build(str(torn))
