import os.path as osp
import re

import pytest
from akd.tooling.preflight import (PreflightError, check_online_wiring,
                                   check_stage_one_checkpoints,
                                   check_teacher_checkpoint, set_data_root)
from mmengine.config import Config

from conftest import REPO


def test_set_data_root_moves_datasets_and_evaluator_files():
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(
            type='RepeatDataset', dataset=dict(data_root='data/coco/'))),
        val_dataloader=dict(dataset=dict(data_root='data/coco/')),
        val_evaluator=dict(
            ann_file='data/coco/annotations/instances_val2017.json')))
    set_data_root(cfg, '/datasets/coco')
    assert cfg.train_dataloader.dataset.dataset.data_root == \
        '/datasets/coco/'
    assert cfg.val_dataloader.dataset.data_root == '/datasets/coco/'
    assert cfg.val_evaluator.ann_file == \
        '/datasets/coco/annotations/instances_val2017.json'


def test_set_data_root_moves_the_ann_file_in_an_evaluator_list():
    cfg = Config(dict(
        test_dataloader=dict(dataset=dict(data_root='data/coco/')),
        test_evaluator=[
            dict(type='CocoMetric',
                 ann_file='data/coco/annotations/instances_val2017.json'),
            dict(type='mmrazor.DetCalibrationMetric')
        ]))
    set_data_root(cfg, '/datasets/coco')
    assert cfg.test_evaluator[0].ann_file == \
        '/datasets/coco/annotations/instances_val2017.json'


def test_missing_fidelity_teacher_checkpoint_names_its_key():
    teacher = dict(model=dict(cfg_path='teacher.py'), ckpt='missing.pth')
    cfg = Config(dict(
        model=dict(type='EncoderDecoder'),
        test_evaluator=[
            dict(type='IoUMetric'),
            dict(type='mmrazor.SegFidelityMetric', teacher=teacher)
        ]))
    with pytest.raises(PreflightError,
                       match=r"test_evaluator\.1\.teacher\.ckpt='missing"
                       r"\.pth' does not exist"):
        check_teacher_checkpoint(cfg)


def _two_stage_config(prompts_ckpt, tokens_ckpt):
    return Config(dict(model=dict(distiller=dict(distill_losses=dict(
        loss_freekd=dict(type='FreeKDLoss', prompts_ckpt=prompts_ckpt),
        loss_maskd=dict(type='AvatarKDLoss',
                        base_loss=dict(type='MasKDLoss',
                                       tokens_ckpt=tokens_ckpt)))))))


def test_missing_stage_one_checkpoints_name_their_key_and_stage_one(
        tmp_path):
    found = tmp_path / 'iter_2000.pth'
    found.write_bytes(b'')
    with pytest.raises(PreflightError,
                       match=r"loss_freekd\.prompts_ckpt='missing\.pth' does "
                       r'not exist\. Run stage 1 first: .*freekd-prompts'):
        check_stage_one_checkpoints(_two_stage_config('missing.pth', None))
    with pytest.raises(PreflightError,
                       match=r'loss_maskd\.base_loss\.tokens_ckpt=.*'
                       r'maskd-tokens'):
        check_stage_one_checkpoints(
            _two_stage_config(str(found), 'missing.pth'))
    check_stage_one_checkpoints(
        _two_stage_config(str(found), 'https://host/tokens.pth'))


def test_urls_of_a_run_are_found_but_not_a_loaded_teachers_init():
    from akd.tooling.preflight import _checkpoint_urls
    backbone = dict(init_cfg=dict(type='Pretrained',
                                  checkpoint='https://host/r50.pth'))
    cfg = Config(dict(
        load_from='https://host/student.pth',
        model=dict(
            architecture=dict(type='RetinaNet', backbone=backbone),
            teacher=dict(type='RetinaNet', backbone=backbone),
            teacher_ckpt='https://host/teacher.pth')))
    assert [key for key, _, _ in _checkpoint_urls(cfg)] == [
        'load_from', 'model.teacher_ckpt',
        'model.architecture.backbone.init_cfg.checkpoint'
    ]
    cfg.model.teacher_ckpt = None  # the teacher initialises itself
    assert 'model.teacher.backbone.init_cfg.checkpoint' in [
        key for key, _, _ in _checkpoint_urls(cfg)
    ]


def test_each_teachers_checkpoint_url_is_found():
    from akd.tooling.preflight import _checkpoint_urls
    cfg = Config(dict(model=dict(teachers=dict(
        a=dict(model=dict(type='RetinaNet'), ckpt='https://host/a.pth'),
        b=dict(model=dict(type='RetinaNet'), ckpt='local/b.pth')))))
    assert [key for key, _, _ in _checkpoint_urls(cfg)] == [
        'model.teachers.a.ckpt'
    ]


@pytest.mark.parametrize('key,value,message', [
    ('model_wrapper_cfg', None, "model_wrapper_cfg.type=None: OnlineDistill "
     "needs one DDP wrapper per peer; set model_wrapper_cfg.type="
     "'MMSeparateDistributedDataParallel'"),
    ('optim_wrapper.constructor', 'DefaultOptimWrapperConstructor',
     "optim_wrapper.constructor='DefaultOptimWrapperConstructor': "
     "OnlineDistill needs one optimizer per peer"),
])
def test_online_distillation_needs_its_optimizers_and_wrappers(
        key, value, message):
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/dml/dml_logits_pspnet-r18-w16-d8x2_toy-cityscapes.py'))
    check_online_wiring(cfg)  # as shipped
    cfg.merge_from_dict({key: value})
    with pytest.raises(PreflightError, match=re.escape(message)):
        check_online_wiring(cfg)
