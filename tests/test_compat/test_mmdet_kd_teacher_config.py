"""mmdet's own LD configs build from any directory and take a step.

They are kept runnable beside akd's LD (configs/ld) for comparison.
"""
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmengine.utils import get_installed_path

import akd  # noqa: F401
from akd.compat.mmdet_kd_teacher_config import resolve_teacher_config
from akd.tooling.synthetic_batch import det_batch

LD_R18 = osp.join(get_installed_path('mmdet'), '.mim', 'configs', 'ld',
                  'ld_r18-gflv1-r101_fpn_1x_coco.py')


def test_mmdet_ld_config_builds_outside_mmdet_and_takes_a_step(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configs/gfl/... here
    cfg = Config.fromfile(LD_R18)
    cfg.model.teacher_ckpt = None
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        inputs, samples = det_batch(model)
        model.train()
        optim_wrapper = OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.01))
        log_vars = model.train_step(
            dict(inputs=list(inputs), data_samples=samples), optim_wrapper)
    assert type(model.teacher_model.bbox_head).__name__ == 'GFLHead'
    assert torch.isfinite(log_vars['loss_ld'])


def test_a_teacher_config_found_nowhere_names_the_key(tmp_path,
                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match='model.teacher_config'):
        resolve_teacher_config('configs/gfl/no_such_config.py')


def test_an_existing_path_is_kept(tmp_path):
    config = tmp_path / 'teacher.py'
    config.write_text('')
    assert resolve_teacher_config(str(config)) == str(config)
