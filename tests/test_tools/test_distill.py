"""tools/distill.py: a distillation config composed from two model configs
and a method name, refused where the method cannot serve the pair."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from akd.tooling.compose_distillation import PairingError, compose_distillation
from conftest import (DET_STUDENT, DET_TEACHER, REPO, SEG_STUDENT, SEG_TEACHER,
                      tool_main)
from distill_step import take_distillation_step

CONFIGS = osp.join(REPO, 'configs')
OWN = osp.join(REPO, 'docs', 'own_model')
OWN_CONFIGS = 'docs/own_model/configs'


def compose(student, teacher, method):
    return compose_distillation(osp.join(REPO, student),
                                osp.join(REPO, teacher), 'teacher.pth',
                                method, CONFIGS)


def step(cfg: Config, tmp_path) -> dict:
    """One optimisation step of the composed config, as dumped."""
    path = str(tmp_path / 'composed.py')
    cfg.dump(path)
    return take_distillation_step(path)


def test_the_toy_detectors_distil_on_their_necks(tmp_path):
    cfg, notes = compose(DET_STUDENT, DET_TEACHER, 'cwd-fpn')
    assert notes == []  # both necks have 64 channels
    assert cfg.model.type == 'FrozenTeacherDistill'
    assert cfg.model.teacher_forward == 'extract_feat'
    assert 'connectors' not in cfg.model.distiller
    assert cfg.train_dataloader == Config.fromfile(
        osp.join(REPO, DET_STUDENT)).train_dataloader
    log_vars = step(cfg, tmp_path)
    assert sorted(k for k in log_vars if k.startswith('distill.')) == [
        f'distill.loss_cwd_fpn{level}' for level in range(5)
    ]


def test_narrower_necks_get_a_connector_per_level(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(OWN)
    cfg, notes = compose(f'{OWN_CONFIGS}/lite-retinanet_r18-w16_coco.py',
                         f'{OWN_CONFIGS}/lite-retinanet_r18-w32_coco.py',
                         'akd-cwd-fpn')
    assert len(notes) == 1 and '32 channels' in notes[0] and (
        "teacher's 64" in notes[0])
    distiller = cfg.model.distiller
    assert sorted(distiller.connectors) == [f'fpn{i}' for i in range(5)]
    assert distiller.connectors.fpn0.in_channel == 32
    assert distiller.connectors.fpn0.out_channel == 64
    for level in range(5):  # the neck tuple's one AKD entry, split
        loss = distiller.distill_losses[f'loss_akd{level}']
        assert loss.type == 'AvatarKDLoss' and loss.log_name == f'akd{level}'
        mapping = distiller.loss_forward_mappings[f'loss_akd{level}']
        assert mapping.preds_S.connector == f'fpn{level}'
        assert mapping.preds_S.data_idx == mapping.preds_T.data_idx == level
    assert cfg.custom_imports.imports == ['my_project', 'akd']
    log_vars = step(cfg, tmp_path)
    assert {f'distill.loss_akd{level}' for level in range(5)} <= set(log_vars)


def test_fcos_logits_are_distilled_with_fcos_labels(tmp_path):
    cfg, _ = compose('configs/toy_models/fcos_r18-w16_fpn_toy-coco.py',
                     'configs/toy_models/fcos_r18-w32_fpn_toy-coco.py',
                     'dkd-logits')
    labels = cfg.model.distiller.student_recorders.gt_labels
    assert labels.source.endswith('FCOSHead.get_targets')
    assert cfg.model.distiller.distill_losses.loss_dkd.num_classes == 80
    assert 'distill.loss_dkd' in step(cfg, tmp_path)


@pytest.fixture
def distill_main(monkeypatch):
    monkeypatch.chdir(REPO)
    yield tool_main('distill')
    torch.set_flush_denormal(False)  # as before tools/train.py set it


def test_the_tool_writes_the_config_and_trains_it(distill_main,
                                                  toy_cityscapes,
                                                  toy_weights, tmp_path,
                                                  capsys):
    work_dir = tmp_path / 'run'
    distill_main([
        SEG_STUDENT, SEG_TEACHER, toy_weights['seg_teacher'], '--method',
        'akd-cwd-logits', '--work-dir',
        str(work_dir), '--data-root', toy_cityscapes, '--cfg-options',
        'train_cfg.max_iters=1', 'train_cfg.val_begin=2',
        'default_hooks.logger.interval=1'
    ])
    (written, ) = glob.glob(str(work_dir / '*.py'))
    assert osp.basename(written) == (
        'akd-cwd-logits_pspnet_r18-w32-d8_toy-cityscapes_'
        'pspnet_r18-w16-d8_toy-cityscapes.py')
    assert f'[distill] wrote {written}' in capsys.readouterr().out
    cfg = Config.fromfile(written)
    assert cfg.model.distiller.distill_losses.loss_akd.type == 'AvatarKDLoss'
    assert cfg.model.teacher_ckpt == toy_weights['seg_teacher']
    (log, ) = glob.glob(str(work_dir / '*' / '*.log'))
    with open(log) as f:
        text = f.read()
    assert 'Iter(train) [1/1]' in text and 'distill.loss_akd:' in text


def _variant(tmp_path, base: str, body: str) -> str:
    path = tmp_path / osp.basename(base)
    path.write_text(f"_base_ = '{osp.join(REPO, base)}'\n{body}\n")
    return str(path)


REFUSALS = {
    'segmentor method on detectors': (
        DET_STUDENT, DET_TEACHER, 'akd-cwd-logits',
        "is AKD-CWD on a segmentor's logits, but retinanet_r18-w16_fpn_"
        "toy-coco is a detector (RetinaNet). For it use one of "
        "['akd-cwd-fpn', 'cwd-fpn', 'dkd-logits']"),
    'neck method on segmentors': (
        SEG_STUDENT, SEG_TEACHER, 'cwd-fpn', 'For it use one of '
        "['akd-cwd-logits', 'cwd-logits', 'dkd-logits']"),
    'detector taught by a segmentor': (
        DET_STUDENT, SEG_TEACHER, 'cwd-fpn',
        'give two detectors or two segmentors'),
    'labels of a two-stage detector': (
        'configs/toy_models/faster-rcnn_r18-w16_fpn_toy-coco.py',
        'configs/toy_models/faster-rcnn_r18-w32_fpn_toy-coco.py',
        'dkd-logits', 'whose RPN would be recorded with them'),
    'labels of a RepPoints head': (
        'configs/toy_models/reppoints_r18-w16_fpn_toy-coco.py',
        'configs/toy_models/reppoints_r18-w32_fpn_toy-coco.py',
        'dkd-logits', 'akd records from AnchorHead and FCOSHead'),
}


@pytest.mark.parametrize('student,teacher,method,message',
                         REFUSALS.values(), ids=list(REFUSALS))
def test_a_pairing_the_method_cannot_serve_is_refused(student, teacher,
                                                      method, message):
    with pytest.raises(PairingError) as refused:
        compose(student, teacher, method)
    assert message in str(refused.value)


def test_other_classes_or_levels_are_refused(tmp_path):
    teacher = _variant(tmp_path, SEG_TEACHER,
                       'model = dict(decode_head=dict(num_classes=8))')
    with pytest.raises(PairingError) as refused:
        compose(SEG_STUDENT, teacher, 'dkd-logits')
    assert 'the student segments 19 classes and the teacher 8' in str(
        refused.value)
    teacher = _variant(tmp_path, DET_TEACHER,
                       'model = dict(neck=dict(num_outs=4))')
    with pytest.raises(PairingError) as refused:
        compose(DET_STUDENT, teacher, 'cwd-fpn')
    assert "neck gives 5 levels and the teacher's 4" in str(refused.value)


def test_a_missing_checkpoint_stops_the_tool_in_one_line(distill_main,
                                                         tmp_path):
    with pytest.raises(SystemExit) as stopped:
        distill_main([DET_STUDENT, DET_TEACHER, str(tmp_path / 'none.pth'),
                      '--method', 'cwd-fpn'])
    message = str(stopped.value.code)
    assert message.startswith("error: TEACHER_CKPT '") and '\n' not in message
