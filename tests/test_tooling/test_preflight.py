import json
import os.path as osp
import re

import pytest
from mmengine.config import Config

import akd.tooling.preflight as preflight
from akd.tooling.preflight import (PreflightError, check_data,
                                   check_online_wiring,
                                   check_stage_one_checkpoints,
                                   check_teacher_checkpoint, set_data_root)
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


# Annotation files that do not parse

ANNOTATIONS = {
    'images': [dict(id=i, file_name=f'{i:012d}.jpg', width=64, height=48)
               for i in range(40)],
    'annotations': [dict(id=i, image_id=i, category_id=1,
                         bbox=[1.0, 2.0, 3.0, 4.0]) for i in range(40)],
    'categories': [dict(id=1, name='person')],
}


def _coco_config(tmp_path, text: str) -> Config:
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'annotations' / 'train.json').write_text(text)
    return Config(dict(train_dataloader=dict(dataset=dict(
        data_root=str(tmp_path) + '/', ann_file='annotations/train.json'))))


def test_whole_annotation_file_passes(tmp_path):
    check_data(_coco_config(tmp_path, json.dumps(ANNOTATIONS)),
               ('train_dataloader', ))


@pytest.mark.parametrize('whole_parse', [True, False],
                         ids=['parsed', 'large-file-checks'])
def test_truncated_annotation_file_names_key_position_and_cause(
        tmp_path, monkeypatch, whole_parse):
    """Cut inside a string, as an interrupted copy leaves it; a file over
    FULL_PARSE_BYTES is caught by its ends before it is parsed."""
    if not whole_parse:
        monkeypatch.setattr(preflight, 'FULL_PARSE_BYTES', 100)
    text = json.dumps(ANNOTATIONS)
    start = text.index('"000000000031.jpg"')
    cfg = _coco_config(tmp_path, text[:start + 6])
    with pytest.raises(PreflightError) as error:
        check_data(cfg, ('train_dataloader', ))
    message = str(error.value)
    assert message.startswith(
        "train_dataloader.dataset.ann_file='annotations/train.json' ("
        f"{tmp_path}/annotations/train.json) is not valid JSON: Unterminated "
        f'string starting at line 1, column {start + 1} (character '
        f'{start:,}; the file ends at {start + 6:,}): its brackets are left '
        'open, so it is truncated'), message
    assert "compare its size with the original's" in message


def test_large_annotation_file_that_looks_whole_is_not_parsed(
        tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, 'FULL_PARSE_BYTES', 100)
    monkeypatch.setattr(preflight.json, 'loads', None)  # would raise
    check_data(_coco_config(tmp_path, json.dumps(ANNOTATIONS)),
               ('train_dataloader', ))


@pytest.mark.parametrize('text, expected', [
    ('', 'is empty'),
    ('<html><body>404 Not Found</body></html>', 'it is an HTML page'),
    ('{"images": [] "annotations": []}', "Expecting ',' delimiter at line 1, "
     'column 15 (character 14; the file ends at 32): it is corrupt or not a '
     'JSON annotation file'),
], ids=['empty', 'html', 'corrupt'])
def test_annotation_file_that_is_not_json_names_the_likely_cause(
        tmp_path, text, expected):
    with pytest.raises(PreflightError, match=re.escape(expected)):
        check_data(_coco_config(tmp_path, text), ('train_dataloader', ))


def test_truncated_evaluator_annotation_file_names_the_evaluator_key(
        tmp_path):
    path = tmp_path / 'val.json'
    path.write_text(json.dumps(ANNOTATIONS)[:-40])
    cfg = Config(dict(val_evaluator=[dict(type='CocoMetric',
                                          ann_file=str(path))]))
    with pytest.raises(PreflightError,
                       match=re.escape(f"val_evaluator.0.ann_file='{path}' "
                                       'is not valid JSON')):
        check_data(cfg, ('train_dataloader', 'val_dataloader'))
