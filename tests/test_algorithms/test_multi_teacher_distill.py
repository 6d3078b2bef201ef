"""MultiTeacherDistill, its TeacherEnsemble and EnsembleOutputs recorder."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS, TASK_UTILS
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.dropout import _DropoutNd

import akd  # noqa: F401
from akd.models import TeacherEnsemble
from akd.tooling.random_weights import without_weights
from akd.tooling.synthetic_batch import seg_batch
from conftest import REPO
from tolerances import assert_close_float32

SEG = osp.join(
    REPO, 'configs', 'camkd', 'camkd_logits_pspnet-r18-w32+w16-'
    'd8_pspnet-r18-w16-d8_toy-cityscapes.py')


def _build(path):
    cfg = Config.fromfile(path)
    without_weights(cfg)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(cfg.model), cfg


def _teacher_spec(cfg, name):
    return cfg.model.teachers[name].model


def test_teachers_are_frozen_in_eval_mode_and_run_without_grad():
    model, _ = _build(SEG)
    model.train()
    assert list(model.teacher.names) == ['pspnet_w32', 'pspnet_w16']
    assert not any(p.requires_grad for p in model.teacher.parameters())
    norms = [m for m in model.teacher.modules() if isinstance(m, _BatchNorm)]
    dropouts = [
        m for m in model.teacher.modules() if isinstance(m, _DropoutNd)
    ]
    assert len(norms) > 20 and len(dropouts) == 4  # 2 heads x 2 teachers
    assert not any(m.training for m in model.teacher.modules())
    assert model.student.training
    inputs, samples = seg_batch()
    model(inputs, samples, mode='loss')
    recorder = model.distiller.teacher_recorders.recorders['logits']
    records = recorder.get_record_data()
    assert len(records) == 2 and not any(r.requires_grad for r in records)


def test_ensemble_outputs_are_each_teachers_own_in_order():
    model, _ = _build(SEG)
    model.eval()
    inputs, samples = seg_batch()
    with model.distiller.teacher_recorders:
        model.teacher(inputs, samples, mode='tensor')
        records = model.distiller.teacher_recorders.recorders[
            'logits'].get_record_data()
    for name, record in zip(model.teacher.names, records):
        own = getattr(model.teacher, name)(inputs, samples, mode='tensor')
        torch.testing.assert_close(record, own)


def test_every_teacher_loads_its_own_checkpoint(tmp_path):
    _, cfg = _build(SEG)
    spec = {}
    for seed, name in enumerate(cfg.model.teachers):
        torch.manual_seed(seed)
        teacher = MODELS.build({
            '_scope_': 'mmrazor',
            **_teacher_spec(cfg, name)
        })
        path = str(tmp_path / f'{name}.pth')
        torch.save({'state_dict': teacher.state_dict()}, path)
        spec[name] = dict(model=_teacher_spec(cfg, name), ckpt=path)
        spec[name]['state'] = teacher.state_dict()
    ensemble = TeacherEnsemble({
        name: dict(model=s['model'], ckpt=s['ckpt'])
        for name, s in spec.items()
    })
    for name, s in spec.items():
        loaded = getattr(ensemble, name).state_dict()
        assert all(torch.equal(loaded[k], v) for k, v in s['state'].items())


def test_rejects_a_single_teacher_and_the_single_teacher_keys():
    _, cfg = _build(SEG)
    one = dict(list(cfg.model.teachers.items())[:1])
    with pytest.raises(ValueError, match='model.teachers must map at least'):
        TeacherEnsemble(one)
    with pytest.raises(ValueError, match='not model.teacher_ckpt'):
        MODELS.build(dict(cfg.model, teacher_ckpt='x.pth'))


def test_rejects_a_teacher_spec_with_unknown_keys():
    _, cfg = _build(SEG)
    teachers = dict(cfg.model.teachers)
    teachers['pspnet_w16'] = dict(teachers['pspnet_w16'], checkpoint='x')
    with pytest.raises(ValueError, match=r'model.teachers.pspnet_w16 must'):
        TeacherEnsemble(teachers)


def test_ensemble_recorder_rejects_a_single_model_and_a_missing_module():
    model, _ = _build(SEG)
    recorder = TASK_UTILS.build(
        dict(_scope_='mmrazor',
             type='EnsembleOutputsRecorder',
             source='decode_head.conv_seg'))
    with pytest.raises(TypeError, match='use ModuleOutputs'):
        recorder.initialize(model.student)
    missing = TASK_UTILS.build(
        dict(_scope_='mmrazor',
             type='EnsembleOutputsRecorder',
             source='decode_head.nothing'))
    with pytest.raises(ValueError, match="teacher 'pspnet_w32' has no"):
        missing.initialize(model.teacher)


def test_a_checkpoint_that_does_not_fit_names_the_teacher_and_the_fix(
        tmp_path):
    _, cfg = _build(SEG)
    teachers = {
        name: dict(model=spec.model)
        for name, spec in cfg.model.teachers.items()
    }
    torch.manual_seed(0)
    teacher = MODELS.build({
        '_scope_': 'mmrazor',
        **teachers['pspnet_w16']['model']
    })
    distilled = {
        f'architecture.{k}': v
        for k, v in teacher.state_dict().items()
    }
    path = tmp_path / 'distilled.pth'
    torch.save(dict(state_dict=distilled), path)
    teachers['pspnet_w16']['ckpt'] = str(path)
    with pytest.raises(ValueError,
                       match=r'model.teachers.pspnet_w16.ckpt=.*'
                       r'convert_kd_ckpt_to_student'):
        TeacherEnsemble(teachers)


@pytest.mark.parametrize('reduce', ['mean_probs', 'mean_sigmoids'])
def test_ensemble_reductions_give_the_mean_prediction(reduce):
    from akd.models.recorders.ensemble_outputs_recorder import ensemble_logits
    torch.manual_seed(0)
    levels = [(torch.randn(2, 5, 3, 3), torch.randn(2, 5, 2, 2))
              for _ in range(3)]  # 3 teachers, 2 FPN levels
    sigmoid = reduce == 'mean_sigmoids'
    merged = ensemble_logits(levels, sigmoid)
    for level, logits in enumerate(merged):
        per_teacher = [t[level] for t in levels]
        if sigmoid:
            got = logits.sigmoid()
            expected = sum(z.sigmoid() for z in per_teacher) / 3
        else:
            got = logits.softmax(1)
            expected = sum(z.softmax(1) for z in per_teacher) / 3
        assert_close_float32(got, expected)
