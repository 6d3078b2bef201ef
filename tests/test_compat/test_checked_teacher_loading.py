"""``SingleTeacherDistill`` loads ``teacher_ckpt`` fully, or refuses."""
import os.path as osp

import pytest
import torch
from akd.engine.guard_error import GuardError
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from conftest import DET_DISTILL, REPO


def _build(teacher_ckpt, algorithm='FpnTeacherDistill'):
    cfg = Config.fromfile(osp.join(REPO, DET_DISTILL))
    cfg.model.type = algorithm
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
                       r'fit the backbone and neck of model.teacher '
                       r'\(RetinaNet\): it fills 4.7%'):
        _build(toy_weights['det_student'])


def test_unreadable_teacher_checkpoint_is_named(tmp_path):
    torn = tmp_path / 'teacher.pth'
    torn.write_bytes(b'PK\x03\x04 torn')
    with pytest.raises(GuardError, match='is not a readable checkpoint'):
        _build(str(torn))


def test_fpn_teacher_needs_only_its_backbone_and_neck(toy_weights, tmp_path):
    """A teacher trained for other classes still teaches its FPN; a
    teacher whose head runs must fit entirely."""
    state = torch.load(toy_weights['det_teacher'])['state_dict']
    state['bbox_head.retina_cls.weight'] = torch.zeros(9 * 20, 64, 3, 3)
    state['bbox_head.retina_cls.bias'] = torch.zeros(9 * 20)
    path = str(tmp_path / 'teacher_20_classes.pth')
    torch.save(dict(state_dict=state), path)
    algorithm = _build(path)
    assert torch.equal(algorithm.teacher.neck.fpn_convs[0].conv.weight,
                       state['neck.fpn_convs.0.conv.weight'])
    with pytest.raises(GuardError, match=r'bbox_head.retina_cls.weight '
                       r'\(180, 64, 3, 3\) in the file'):
        _build(path, algorithm='SingleTeacherDistill')
    state['neck.fpn_convs.0.conv.weight'] = torch.zeros(1)
    torch.save(dict(state_dict=state), path)
    with pytest.raises(GuardError, match=r'does not fit the backbone and neck'
                       r' of model.teacher'):
        _build(path)
