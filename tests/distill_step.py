"""Build a distillation config and take one optimisation step on CPU."""
import os.path as osp

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS, DefaultScope
from mmrazor.registry import MODELS

from akd.tooling.akd_types import use_akd_types
from akd.tooling.random_weights import without_weights
from akd.tooling.synthetic_batch import add_crd_indices, det_batch, seg_batch
from conftest import REPO


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
    use_akd_types(cfg)  # as akd's tools build MMRazor's configs
    without_weights(cfg)
    if cfg.model.type == 'OnlineDistill':
        return take_online_step(cfg)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        inputs, data_samples = synthetic_batch(cfg, model)
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


def synthetic_batch(cfg: Config, model) -> tuple:
    """A small batch for the config's task (inputs, data samples)."""
    if cfg.default_scope == 'mmseg' or 'cityscapes' in osp.basename(
            cfg.filename):
        return seg_batch()
    return det_batch(model)


def peer_optimizers(model, lr: float = 0.01, optimizer: str = 'SGD'):
    """An optimizer for every trainable peer, as the configs' constructor
    builds them."""
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='PeerOptimWrapperConstructor',
             optim_wrapper_cfg=dict(optimizer=dict(type=optimizer,
                                                   lr=lr))))(model)


def take_online_step(cfg: Config) -> dict:
    """One ``OnlineDistill.train_step``: every learning peer's parameters
    get a gradient and move, and mutual losses are logged finite."""
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        inputs, data_samples = synthetic_batch(cfg, model)
        model.train()
        before = {k: p.detach().clone() for k, p in model.named_parameters()}
        log_vars = model.train_step(
            dict(inputs=inputs, data_samples=data_samples),
            peer_optimizers(model))
    paused = set(model.peer_names) - set(model.trainable_peers)
    if log_vars.get('switch.expert', 0) or model.switch.policy == 'never':
        paused.add(model.switch.teacher)
    for name in model.peer_names:
        learns = name not in paused
        for key, param in model.named_parameters():
            if key.startswith(f'{name}.'):
                moved = not torch.equal(before[key], param)
                assert moved == (learns and param.requires_grad), key
    mutual = [k for k in log_vars if '.loss_' in k and k.split('.')[-1]
              .rsplit('_', 1)[-1] in model.peer_names]
    assert mutual, sorted(log_vars)
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log_vars.values())
    return log_vars


def build_without_weights(path: str, **model_options):
    """The config at ``path`` (relative to the repo) with ``model.<key>=
    value`` options, built without weights, in train mode; and its
    config."""
    cfg = Config.fromfile(osp.join(REPO, path))
    without_weights(cfg)
    cfg.merge_from_dict({f'model.{k}': v for k, v in model_options.items()})
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    model.train()
    return model, cfg
