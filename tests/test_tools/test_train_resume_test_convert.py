"""End to end through tools/: train with validation, test, convert (resume:
tests/test_tools/test_exact_resume.py).

One detection and one segmentation distillation config, and the same for
FRSKD (no teacher); CA-MKD (several teachers), TCS (a basis buffer in the
checkpoint) and CRD (memory banks, indices from the pipeline). A few
iterations on a small toy set, random teacher checkpoints written by the
test.
"""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from akd.compat.local_cfg_path import build_from_config_file
from akd.tooling.preflight import drop_teacher_checkpoints
from conftest import (DET_DISTILL, DET_STUDENT, REPO, SEG_DISTILL, SEG_STUDENT,
                      run_tool)

SHORT = [
    'train_dataloader.batch_size=2', 'val_dataloader.batch_size=4',
    'test_dataloader.batch_size=4', 'train_cfg.max_iters=4',
    'train_cfg.val_interval=4', 'default_hooks.checkpoint.interval=2',
    'default_hooks.checkpoint.max_keep_ckpts=-1',
    'default_hooks.logger.interval=1', 'param_scheduler.0.end=2',
    'param_scheduler.1.end=4'
]
CASES = {
    'det': (DET_DISTILL, DET_STUDENT, 'toy_coco', 'coco/bbox_mAP'),
    'seg': (SEG_DISTILL, SEG_STUDENT, 'toy_cityscapes', 'mIoU'),
    'frskd-det': ('configs/frskd/frskd_retina-r18-w16_toy-coco.py',
                  DET_STUDENT, 'toy_coco', 'coco/bbox_mAP'),
    'frskd-seg': ('configs/frskd/frskd_pspnet-r18-w16-d8_toy-cityscapes.py',
                  SEG_STUDENT, 'toy_cityscapes', 'mIoU'),
    'camkd-seg': ('configs/camkd/camkd_logits_pspnet-r18-w32+w16-d8_pspnet-'
                  'r18-w16-d8_toy-cityscapes.py', SEG_STUDENT,
                  'toy_cityscapes', 'mIoU'),
    'tcs-det': ('configs/tcs/tcs_fpn_retina-r18-w32_retina-r18-w16_'
                'toy-coco.py', DET_STUDENT, 'toy_coco', 'coco/bbox_mAP'),
    'crd-seg': ('configs/crd/crd_backbone_pspnet-r18-w32-d8_pspnet-r18-w16-'
                'd8_toy-cityscapes.py', SEG_STUDENT, 'toy_cityscapes', 'mIoU'),
}


def teacher_options(distill_config, path):
    """``model.teacher_ckpt=`` a random teacher's checkpoint, if it has one.

    MasKD stage 1 trains tokens on its architecture, the teacher; FRSKD
    has no teacher; MultiTeacherDistill gets one per teacher.
    """
    cfg = Config.fromfile(osp.join(REPO, distill_config))
    torch.manual_seed(0)
    if 'teachers' in cfg.model:
        options = []
        for name, teacher in cfg.model.teachers.items():
            teacher_path = f'{path}.{name}'
            save_random(teacher.model.cfg_path, teacher_path)
            options.append(f'model.teachers.{name}.ckpt={teacher_path}')
        return options
    if 'teacher_ckpt' not in cfg.model:
        return []
    teacher_cfg = cfg.model.get('teacher', cfg.model.architecture)
    save_random(teacher_cfg.cfg_path, path)
    return [f'model.teacher_ckpt={path}']


def save_random(cfg_path, path):
    model = build_from_config_file(cfg_path)
    torch.save(dict(state_dict=model.state_dict()), path)


def training_scalars(work_dir, key='lr'):
    """Per-iteration training scalars logged by mmengine, by iteration
    (the records holding ``key``: training ones, not validation's)."""
    records = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data',
                                   'scalars.json')):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if key in record:
                    records[record['iter']] = record
    return records


@pytest.fixture(scope='module', params=sorted(CASES))
def trained(request, tmp_path_factory):
    """A 4-iteration distillation run, and its arguments."""
    distill_config, student_config, data, metric = CASES[request.param]
    data_root = request.getfixturevalue(data)
    tmp = tmp_path_factory.mktemp(request.param)
    options = SHORT + teacher_options(distill_config, tmp / 'teacher.pth')
    work_dir = str(tmp / 'run')
    run_tool('tools/train.py', distill_config, '--work-dir', work_dir,
             '--data-root', data_root, '--cfg-options', *options)
    return dict(distill_config=distill_config, student_config=student_config,
                data_root=data_root, metric=metric, options=options,
                work_dir=work_dir, tmp=tmp)


def test_training_validates_and_saves_distillation_checkpoints(trained):
    assert osp.isfile(osp.join(trained['work_dir'], 'iter_2.pth'))
    assert osp.isfile(osp.join(trained['work_dir'], 'iter_4.pth'))
    records = training_scalars(trained['work_dir'])
    assert sorted(records) == [1, 2, 3, 4]
    assert all(any(k.startswith('distill.') for k in r)
               for r in records.values())


def _test_metric(config, checkpoint, trained, name):
    metrics_json = str(trained['tmp'] / f'{name}.json')
    run_tool('tools/test.py', config, checkpoint, '--work-dir',
             str(trained['tmp'] / name), '--data-root', trained['data_root'],
             '--metrics-json', metrics_json, '--cfg-options',
             'test_dataloader.batch_size=4')
    with open(metrics_json) as f:
        return json.load(f)


def test_converted_student_loads_strictly_and_scores_the_same(trained):
    kd_ckpt = osp.join(trained['work_dir'], 'iter_4.pth')
    student_ckpt = str(trained['tmp'] / 'student.pth')
    run_tool('tools/model_converters/convert_kd_ckpt_to_student.py', kd_ckpt,
             student_ckpt)

    student = build_from_config_file(
        osp.join(REPO, trained['student_config']))
    state = torch.load(student_ckpt)['state_dict']
    missing, unexpected = student.load_state_dict(state, strict=False)
    assert (missing, unexpected) == ([], [])
    kd_state = torch.load(kd_ckpt)['state_dict']
    for key, value in state.items():
        assert torch.equal(value, kd_state[f'architecture.{key}'])
    load_checkpoint(student, student_ckpt, strict=True)

    distilled = _test_metric(trained['distill_config'], kd_ckpt, trained,
                             'test_distilled')
    converted = _test_metric(trained['student_config'], student_ckpt,
                             trained, 'test_converted')
    assert converted == distilled
    # After 4 iterations the detector scores no box above mmdet's threshold
    # (both dicts are empty); the segmentor already has a non-zero mIoU.
    if trained['metric'] == 'mIoU':
        assert distilled['mIoU'] > 0


def test_converted_student_predicts_exactly_as_distilled_student(trained):
    from mmrazor.registry import MODELS
    kd_ckpt = osp.join(trained['work_dir'], 'iter_4.pth')
    student_ckpt = str(trained['tmp'] / 'student.pth')
    if not osp.isfile(student_ckpt):
        run_tool('tools/model_converters/convert_kd_ckpt_to_student.py',
                 kd_ckpt, student_ckpt)
    cfg = Config.fromfile(osp.join(REPO, trained['distill_config']))
    drop_teacher_checkpoints(cfg)
    algorithm = MODELS.build(cfg.model)
    load_checkpoint(algorithm, kd_ckpt, strict=True)
    student = build_from_config_file(
        osp.join(REPO, trained['student_config']))
    load_checkpoint(student, student_ckpt, strict=True)
    algorithm.eval(), student.eval()
    inputs = torch.randn(2, 3, 128, 256)
    with torch.no_grad():
        expected = algorithm.architecture(inputs, mode='tensor')
        actual = student(inputs, mode='tensor')
    flat = torch.utils._pytree.tree_leaves
    assert all(torch.equal(a, e) for a, e in zip(flat(actual),
                                                 flat(expected)))
