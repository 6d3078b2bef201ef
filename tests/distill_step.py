"""Build a distillation config and take one optimisation step on CPU."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmrazor.registry import MODELS

import akd  # noqa: F401


def _without_weights(cfg: Config) -> None:
    if 'teacher_ckpt' in cfg.model:  # FRSKD has no teacher
        cfg.model.teacher_ckpt = None
    for teacher in cfg.model.get('teachers', {}).values():
        teacher.ckpt = None
        teacher.model.pretrained = False
    losses = cfg.model.get('distiller', {}).get('distill_losses', {})
    for loss in losses.values():
        for part in (loss, loss.get('base_loss', {})):
            if part.get('type') == 'MasKDLoss':
                part.tokens_ckpt = None  # random tokens: no stage 1 here
    for part in ('architecture', 'teacher'):
        if 'cfg_path' in cfg.model.get(part, {}):
            cfg.model[part].pretrained = False


def det_batch(model):
    from mmdet.testing import demo_mm_inputs
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 128, 128)] * 2,
                            num_items=[3, 2], num_classes=80, with_mask=True)
    data = model.data_preprocessor(packed, True)  # sets pad_shape
    return data['inputs'], data['data_samples']  # (2, 3, 128, 128), ...


def seg_batch():
    # Built already preprocessed: the configs pad to 512x1024 otherwise.
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    samples = []
    for _ in range(2):
        sample = SegDataSample(
            metainfo=dict(img_shape=(64, 128), pad_shape=(64, 128),
                          ori_shape=(64, 128)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 19, (1, 64, 128)))
        samples.append(sample)
    return torch.randn(2, 3, 64, 128), samples


def _with_crd_indices(cfg: Config, data_samples: list) -> None:
    """What ``PackCRDIndices`` adds, if the config's pipeline has it."""
    pipeline = cfg.train_dataloader.dataset.get('pipeline', [])
    for transform in pipeline:
        if transform.type.endswith('PackCRDIndices'):
            for index, sample in enumerate(data_samples):
                sample.sample_idx = torch.tensor(index)
                sample.contrast_sample_idxs = torch.cat([
                    sample.sample_idx[None],
                    torch.randint(transform.num_samples,
                                  (transform.neg_num, ))
                ])


def take_distillation_step(path: str) -> dict:
    """Build ``path`` without weights, step once; return the log vars.

    Checks that distillation losses are logged, every logged value is
    finite and the student's parameters moved.
    """
    cfg = Config.fromfile(path)
    _without_weights(cfg)
    is_seg = cfg.default_scope == 'mmseg' or 'cityscapes' in osp.basename(
        path)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        inputs, data_samples = seg_batch() if is_seg else det_batch(model)
        _with_crd_indices(cfg, data_samples)
        model.train()
        student = [
            p for p in model.architecture.parameters() if p.requires_grad
        ]
        before = [p.detach().clone() for p in student]
        trainable = [p for p in model.parameters() if p.requires_grad]
        optim_wrapper = OptimWrapper(torch.optim.SGD(trainable, lr=0.01))
        losses = model(inputs, data_samples, mode='loss')
        loss, log_vars = model.parse_losses(losses)
        optim_wrapper.update_params(loss)
    distill_keys = [k for k in log_vars if k.startswith('distill.')]
    assert distill_keys, sorted(log_vars)
    assert all(torch.isfinite(torch.tensor(log_vars[k])) for k in log_vars)
    assert any(not torch.equal(b, p) for b, p in zip(before, student))
    return log_vars
