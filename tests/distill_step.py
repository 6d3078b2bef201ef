"""Build a distillation config and take one optimisation step on CPU."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

import akd  # noqa: F401
from akd.utils.random_weights import without_weights
from akd.utils.synthetic_batch import add_crd_indices, det_batch, seg_batch


def take_distillation_step(path: str,
                           needless_find_unused: bool = False) -> dict:
    """Build ``path`` without weights, step once; return the log vars.

    Checks that distillation losses are logged, every logged value is
    finite and the student's parameters moved, and that every trainable
    parameter received a gradient, which DDP without
    ``find_unused_parameters`` (mmengine's default) needs. A config that
    sets ``find_unused_parameters=True`` must have a parameter without one,
    unless ``needless_find_unused`` (MMRazor's configs set it needlessly).
    """
    cfg = Config.fromfile(path)
    without_weights(cfg)
    is_seg = cfg.default_scope == 'mmseg' or 'cityscapes' in osp.basename(
        path)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        inputs, data_samples = seg_batch() if is_seg else det_batch(model)
        add_crd_indices(cfg, data_samples)
        model.train()
        student = [
            p for p in model.architecture.parameters() if p.requires_grad
        ]
        before = [p.detach().clone() for p in student]
        trainable = [p for p in model.parameters() if p.requires_grad]
        optim_wrapper = OptimWrapper(torch.optim.SGD(trainable, lr=0.01))
        losses = model(inputs, data_samples, mode='loss')
        loss, log_vars = model.parse_losses(losses)
        optim_wrapper.backward(loss)
        unused = [
            name for name, p in model.named_parameters()
            if p.requires_grad and p.grad is None
        ]
        optim_wrapper.step()
    find_unused = cfg.get('find_unused_parameters', False)
    assert find_unused or not unused, unused
    assert needless_find_unused or bool(unused) == find_unused
    distill_keys = [k for k in log_vars if k.startswith('distill.')]
    assert distill_keys, sorted(log_vars)
    assert all(torch.isfinite(torch.tensor(log_vars[k])) for k in log_vars)
    assert any(not torch.equal(b, p) for b, p in zip(before, student))
    return log_vars
