"""MMRazor 1.0's own distillation configs build and train a step under akd.

Every config MMRazor ships in ``mmrazor/.mim/configs/distill/{mmdet,mmseg}``
(the Swin one aside) is built as written, apart from weights (no teacher
checkpoint, no pretrained download), and takes one optimisation step on a
small synthetic batch on CPU.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmengine.utils import get_installed_path

import akd  # noqa: F401
from mmrazor.registry import MODELS

DISTILL = osp.join(get_installed_path('mmrazor'), '.mim', 'configs',
                   'distill')
SHIPPED = sorted(
    path for codebase in ('mmdet', 'mmseg')
    for path in glob.glob(osp.join(DISTILL, codebase, '*', '*.py'))
    if 'swin' not in osp.basename(path))


def _without_weights(cfg: Config) -> None:
    cfg.model.teacher_ckpt = None
    for part in ('architecture', 'teacher'):
        if 'cfg_path' in cfg.model[part]:
            cfg.model[part].pretrained = False


def _det_batch(model):
    from mmdet.testing import demo_mm_inputs
    packed = demo_mm_inputs(batch_size=2, image_shapes=[(3, 128, 128)] * 2,
                            num_items=[3, 2], num_classes=80, with_mask=True)
    data = model.data_preprocessor(packed, True)  # sets pad_shape
    return data['inputs'], data['data_samples']  # (2, 3, 128, 128), ...


def _seg_batch():
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


@pytest.mark.parametrize(
    'path', SHIPPED, ids=[osp.basename(p)[:-3] for p in SHIPPED])
def test_shipped_config_builds_and_takes_a_distillation_step(path):
    cfg = Config.fromfile(path)
    _without_weights(cfg)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        inputs, data_samples = (_seg_batch() if '/mmseg/' in path else
                                _det_batch(model))
        model.train()
        student = [p for p in model.student.parameters() if p.requires_grad]
        before = [p.detach().clone() for p in student]
        optim_wrapper = OptimWrapper(torch.optim.SGD(student, lr=0.01))
        losses = model(inputs, data_samples, mode='loss')
        loss, log_vars = model.parse_losses(losses)
        optim_wrapper.update_params(loss)
    distill_keys = [k for k in log_vars if k.startswith('distill.')]
    assert distill_keys, sorted(log_vars)
    assert all(torch.isfinite(torch.tensor(log_vars[k])) for k in log_vars)
    assert any(not torch.equal(b, p) for b, p in zip(before, student))
