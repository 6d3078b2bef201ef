"""``FrozenTeacherDistill`` loads ``teacher_ckpt`` fully or refuses, keeps
a frozen teacher in eval mode, and leaves MMRazor's classes as they are."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from akd.utils.guard_error import GuardError
from conftest import DET_DISTILL, REPO, SEG_DISTILL


def _build(teacher_ckpt, teacher_forward='extract_feat'):
    cfg = Config.fromfile(osp.join(REPO, DET_DISTILL))
    cfg.model.type = 'FrozenTeacherDistill'
    cfg.model.teacher_forward = teacher_forward
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
    """Under teacher_forward='extract_feat', a teacher trained for other
    classes still teaches its FPN; a teacher whose head runs must fit
    entirely."""
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
        _build(path, teacher_forward='tensor')
    state['neck.fpn_convs.0.conv.weight'] = torch.zeros(1)
    torch.save(dict(state_dict=state), path)
    with pytest.raises(GuardError, match=r'does not fit the backbone and neck'
                       r' of model.teacher'):
        _build(path)


def _seg_algorithm(**overrides):
    cfg = Config.fromfile(osp.join(REPO, SEG_DISTILL))
    cfg.model.teacher_ckpt = None
    cfg.model.update(overrides)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(cfg.model)


def test_frozen_teacher_dropout_is_off_in_training():
    algorithm = _seg_algorithm().train()
    assert algorithm.student.training
    assert not any(m.training for m in algorithm.teacher.modules())
    assert not algorithm.teacher.decode_head.dropout.training
    x = torch.randn(2, 3, 32, 64)
    with torch.no_grad():  # deterministic: no dropout mask
        first = algorithm.teacher(x, mode='tensor')
        assert torch.equal(first, algorithm.teacher(x, mode='tensor'))


def test_teacher_norm_eval_false_keeps_mmrazors_train_mode():
    algorithm = _seg_algorithm(teacher_norm_eval=False).train()
    assert algorithm.teacher.decode_head.dropout.training


def test_trainable_teacher_trains():
    algorithm = _seg_algorithm(teacher_trainable=True).train()
    assert algorithm.teacher.decode_head.dropout.training


def test_eval_puts_everything_in_eval_mode():
    algorithm = _seg_algorithm().train().eval()
    assert not any(m.training for m in algorithm.modules())


def test_mmrazors_classes_keep_their_own_methods():
    """``import akd`` leaves MMRazor's distillation classes as MMRazor
    wrote them: their methods are defined in MMRazor's modules."""
    from mmengine.runner.checkpoint import load_checkpoint
    from mmrazor.models.algorithms import (FpnTeacherDistill,
                                           SingleTeacherDistill)
    from mmrazor.models.algorithms.distill.configurable import \
        single_teacher_distill
    from mmrazor.models.distillers import ConfigurableDistiller

    import akd  # noqa: F401
    methods = {
        SingleTeacherDistill: ('__init__', 'loss', 'train'),
        FpnTeacherDistill: ('loss', ),
        ConfigurableDistiller: ('__init__', 'build_distill_losses',
                                'build_connectors', 'prepare_from_student',
                                'prepare_from_teacher', 'get_record',
                                'compute_distill_losses',
                                '_check_loss_forward_mappings'),
    }
    for cls, names in methods.items():
        for name in names:
            method = getattr(cls, name)
            assert method.__module__.startswith('mmrazor.'), (cls, name)
            assert method.__qualname__ == f'{cls.__name__}.{name}'
    assert single_teacher_distill.load_checkpoint is load_checkpoint


def test_a_script_building_mmrazors_algorithm_gets_mmrazors_step():
    """From a plain script after ``import akd``: MMRazor's
    ``SingleTeacherDistill`` runs its teacher in loss mode, as MMRazor
    does, and has no teacher-forward policy."""
    from mmrazor.models.algorithms import SingleTeacherDistill
    from mmrazor.models.distillers import ConfigurableDistiller

    import akd  # noqa: F401
    from akd.tooling.synthetic_batch import seg_batch
    cfg = Config.fromfile(osp.join(REPO, SEG_DISTILL))
    cfg.model.teacher_ckpt = None
    cfg.model.type = 'SingleTeacherDistill'
    cfg.model.pop('teacher_forward', None)
    cfg.model.distiller.type = 'ConfigurableDistiller'
    with DefaultScope.overwrite_default_scope('mmrazor'):
        algorithm = MODELS.build(cfg.model)
    algorithm.train()  # MMRazor's train() returns None
    assert type(algorithm) is SingleTeacherDistill
    assert type(algorithm.distiller) is ConfigurableDistiller
    assert type(algorithm).loss is SingleTeacherDistill.loss
    assert not hasattr(algorithm, 'teacher_forward')
    # MMRazor's train(): the teacher's dropout stays in train mode
    assert algorithm.teacher.decode_head.dropout.training
    modes = []
    algorithm.teacher.register_forward_pre_hook(
        lambda module, args, kwargs: modes.append(kwargs.get('mode')),
        with_kwargs=True)
    losses = algorithm(*seg_batch(), mode='loss')
    assert modes == ['loss']  # MMRazor's teacher forward
    assert any(key.startswith('distill.') for key in losses)
