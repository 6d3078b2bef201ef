"""The frozen teacher runs only as far as its recorders need, and records
what MMRazor's loss-mode forward records."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.registry import MODELS

from akd.algorithms.teacher_forward import teacher_records
from akd.tooling.random_weights import without_weights
from akd.tooling.synthetic_batch import det_batch, seg_batch
from conftest import DET_DISTILL, REPO, SEG_DISTILL
from tolerances import assert_close_float32

DKD_DET = 'configs/dkd/dkd_logits_retina-r18-w32_retina-r18-w16_toy-coco.py'
# One shipped config per teacher recorder kind, and the forward it needs.
RECORDER_KINDS = {
    'neck (FpnTeacherDistill)': (DET_DISTILL, 'extract_feat'),
    'backbone': ('configs/sp/sp_backbone_pspnet-r18-w32-d8_pspnet-r18-w16-'
                 'd8_toy-cityscapes.py', 'extract_feat'),
    'bbox_head': (DKD_DET, 'tensor'),
    'decode_head.conv_seg': (SEG_DISTILL, 'tensor'),
    'EnsembleOutputs bbox_head': ('configs/camkd/camkd_logits_retina-r18-'
                                  'w32+w16_retina-r18-w16_toy-coco.py',
                                  'tensor'),
    'EnsembleOutputs decode_head.conv_seg': (
        'configs/camkd/camkd_logits_pspnet-r18-w32+w16-d8_pspnet-r18-w16-d8_'
        'toy-cityscapes.py', 'tensor'),
}


@pytest.fixture
def logged(monkeypatch):
    """The messages the teacher forward logs."""
    from akd.algorithms import teacher_forward
    messages = []
    monkeypatch.setattr(teacher_forward, 'print_log',
                        lambda message, **kwargs: messages.append(message))
    return messages


def _build(path: str, **overrides):
    cfg = Config.fromfile(osp.join(REPO, path))
    without_weights(cfg)
    cfg.model.update(overrides)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model).train()
    batch = seg_batch() if 'cityscapes' in path else det_batch(model)
    return model, batch


def _mmrazor_records(model, batch):
    """The teacher records after MMRazor's own ``loss`` (the teacher in
    loss mode)."""
    SingleTeacherDistill.loss(model, *batch)
    return teacher_records(model.distiller)


def _assert_records_close(got, expected) -> None:
    """Same structure; tensors equal up to float32 rounding."""
    if isinstance(expected, dict):
        assert got.keys() == expected.keys()
        for key in expected:
            _assert_records_close(got[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_records_close(g, e)
    else:
        assert got.shape == expected.shape
        assert_close_float32(got, expected)


@pytest.mark.parametrize('kind', RECORDER_KINDS)
def test_records_equal_mmrazors_loss_mode_forward(kind):
    path, expected_mode = RECORDER_KINDS[kind]
    model, batch = _build(path)
    reference = _mmrazor_records(model, batch)
    model.loss(*batch)
    assert model.teacher_forward.mode == expected_mode
    _assert_records_close(teacher_records(model.distiller), reference)
    model.loss(*batch)  # the chosen forward, without the probe
    _assert_records_close(teacher_records(model.distiller), reference)


def test_loss_mode_kept_when_a_record_needs_the_teachers_loss(logged):
    model, batch = _build(
        DKD_DET,
        distiller=dict(
            teacher_recorders=dict(labels=dict(type='DetTargetLabels')),
            loss_forward_mappings=dict(loss_dkd=dict(gt_labels=dict(
                from_student=False, recorder='labels')))))
    model.loss(*batch)
    assert model.teacher_forward.mode == 'loss'
    assert "the teacher runs 'loss'" in logged[0]
    assert "'tensor' records nothing for loss_dkd.gt_labels" in logged[0]


def test_dropout_teacher_probed_under_the_same_masks():
    """teacher_norm_eval=False keeps MMRazor's train-mode teacher, whose
    decode head drops out: every probed forward draws the same masks."""
    model, batch = _build(SEG_DISTILL, teacher_norm_eval=False)
    assert model.teacher.decode_head.dropout.training
    model.loss(*batch)
    assert model.teacher_forward.mode == 'tensor'


def test_chosen_forward_logged_once(logged):
    model, batch = _build(SEG_DISTILL)
    model.loss(*batch)
    model.loss(*batch)
    assert len(logged) == 1
    assert "teacher_forward='auto': the teacher runs 'tensor'" in logged[0]


def test_explicit_forward_runs_without_probing(logged):
    model, batch = _build(DKD_DET, teacher_forward='loss')
    model.loss(*batch)
    assert model.teacher_forward.mode == 'loss'
    assert not logged


def test_explicit_extract_feat_leaves_head_recorder_empty():
    """A forward that does not reach the recorder is the user's choice,
    reported by the distiller's check."""
    model, batch = _build(DKD_DET, teacher_forward='extract_feat')
    with pytest.raises(ValueError, match='teacher_recorders.head'):
        model.loss(*batch)


def test_fpn_teacher_distill_honours_calculate_student_loss():
    model, batch = _build(DET_DISTILL, calculate_student_loss=False)
    losses = model.loss(*batch)
    assert not any(key.startswith('student.') for key in losses)
    assert any(key.startswith('distill.') for key in losses)


def test_fpn_teacher_distill_refuses_another_forward():
    """An MMRazor config naming FpnTeacherDistill with another forward is
    refused where akd's tools swap in FrozenTeacherDistill."""
    from akd.tooling.akd_types import use_akd_types
    cfg = Config(dict(model=dict(type='mmrazor.FpnTeacherDistill',
                                 teacher_forward='tensor')))
    with pytest.raises(ValueError, match=r"model.teacher_forward='tensor': "
                       r"mmrazor.FpnTeacherDistill runs teacher_forward="
                       r"'extract_feat' only; for another, set model.type="
                       r"'mmrazor.FrozenTeacherDistill'"):
        use_akd_types(cfg)


@pytest.mark.parametrize('overrides, match', [
    (dict(teacher_forward='heads'), r"model.teacher_forward='heads'"),
    (dict(teacher_dtype='half'), r"model.teacher_dtype='half'"),
    (dict(teacher_channels_last='yes'), 'model.teacher_channels_last'),
    (dict(teacher_trainable=True, teacher_dtype='bfloat16'),
     'model.teacher_trainable=True'),
])
def test_bad_teacher_forward_settings_named(overrides, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _build(SEG_DISTILL, **overrides)


def test_trainable_teacher_runs_its_loss():
    model, batch = _build(SEG_DISTILL, teacher_trainable=True)
    losses = model.loss(*batch)
    assert any(key.startswith('teacher.') for key in losses)


def test_bfloat16_teacher_on_cpu_when_asked_and_losses_in_float32():
    model, batch = _build(SEG_DISTILL)
    torch.manual_seed(0)  # the same student dropout masks in both steps
    float32 = model.loss(*batch)['distill.loss_cwd']
    model.teacher_forward.dtype = torch.bfloat16
    model.teacher_forward.dtype_on_cpu = True
    torch.manual_seed(0)
    half = model.loss(*batch)['distill.loss_cwd']
    logits_T = teacher_records(model.distiller)['loss_cwd', 'preds_T']
    assert logits_T.dtype == torch.bfloat16
    assert half.dtype == torch.float32
    # bfloat16 keeps 8 significant bits; the loss moves by less than 2**-8
    # of its size (measured: 1e-5 here, 2e-4 on the FPN levels)
    assert abs(half.item() - float32.item()) <= 2**-8 * abs(float32.item())


def test_teacher_dtype_applies_to_cuda_only_by_default():
    model, batch = _build(SEG_DISTILL, teacher_dtype='bfloat16')
    model.loss(*batch)
    logits_T = teacher_records(model.distiller)['loss_cwd', 'preds_T']
    assert logits_T.dtype == torch.float32


def test_channels_last_teacher_records_equal_contiguous_ones():
    model, batch = _build(DET_DISTILL)
    model.loss(*batch)
    contiguous = teacher_records(model.distiller)
    model.teacher_forward.channels_last = True
    model.teacher_forward.prepare(model)
    conv = model.teacher.backbone.conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    model.loss(*batch)
    _assert_records_close(teacher_records(model.distiller), contiguous)


def test_teacher_without_dtype_follows_amp_and_losses_stay_float32():
    """Under --amp the whole step runs in autocast; a teacher without
    teacher_dtype keeps it, and the losses still compute in float32."""
    model, batch = _build(SEG_DISTILL)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(*batch)
    logits_T = teacher_records(model.distiller)['loss_cwd', 'preds_T']
    assert logits_T.dtype == torch.bfloat16
    assert losses['distill.loss_cwd'].dtype == torch.float32
