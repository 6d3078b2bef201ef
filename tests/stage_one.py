"""Stage-1 models of the two-stage distillers (MasKD, FreeKD), built from
their toy configs without a teacher checkpoint, and one step of them."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from akd.tooling.synthetic_batch import det_batch
from conftest import REPO


def build_stage_one(config: str, **overrides):
    """The model of ``config`` (relative to the repo), random teacher."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.teacher_ckpt = None
    cfg.model.update(overrides)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg.model)


def stepped_stage_one(config: str) -> tuple:
    """The stage-1 model before (its state) and after one Adam step, and
    the step's losses."""
    model = build_stage_one(config)
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.train()
    with DefaultScope.overwrite_default_scope('mmdet'):
        inputs, data_samples = det_batch(model)
        optimizer = OptimWrapper(torch.optim.Adam(
            [p for p in model.parameters() if p.requires_grad], lr=0.01))
        losses = model.train_step(dict(inputs=inputs,
                                       data_samples=data_samples),
                                  optimizer)
    return model, before, losses


def stage_one_configs(pattern: str):
    """``pytest.mark.parametrize`` over the configs matching ``pattern``."""
    paths = sorted(glob.glob(osp.join(REPO, 'configs', pattern)))
    return pytest.mark.parametrize(
        'path', paths, ids=[osp.basename(p)[:-3] for p in paths])


def check_stage_one_config(path: str, model_type: str) -> None:
    """The config builds as written (no weights) and computes the teacher's
    losses and the mask diversity, the teacher frozen."""
    cfg = Config.fromfile(path)
    cfg.model.teacher_ckpt = None
    cfg.model.architecture.pretrained = False
    assert cfg.model.type == model_type
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.val_cfg.type == 'ValLoop'
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        inputs, data_samples = det_batch(model)
        losses = model.loss(inputs, data_samples)
    assert torch.isfinite(losses['loss_mask_diversity'])
    assert not any(p.requires_grad for p in model.architecture.parameters())
