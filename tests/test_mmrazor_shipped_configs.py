"""MMRazor 1.0's own distillation configs build and train a step under akd.

Every config MMRazor ships in ``mmrazor/.mim/configs/distill/{mmdet,mmseg}``
(the Swin one aside) is built as written, apart from weights (no teacher
checkpoint, no pretrained download), and takes one optimisation step on a
small synthetic batch on CPU.
"""
import glob
import os.path as osp

import pytest
from mmengine.utils import get_installed_path

from distill_step import take_distillation_step

DISTILL = osp.join(get_installed_path('mmrazor'), '.mim', 'configs',
                   'distill')
SHIPPED = sorted(
    path for codebase in ('mmdet', 'mmseg')
    for path in glob.glob(osp.join(DISTILL, codebase, '*', '*.py'))
    if 'swin' not in osp.basename(path))


@pytest.mark.parametrize(
    'path', SHIPPED, ids=[osp.basename(p)[:-3] for p in SHIPPED])
def test_shipped_config_builds_and_takes_a_distillation_step(path):
    take_distillation_step(path, needless_find_unused=True)
