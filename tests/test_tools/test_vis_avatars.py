"""tools/analysis/vis_avatars.py: one image's teacher map, K avatars with
their u_k and w_k, and the student's map, as the AKD loss sees them."""
import glob
import os.path as osp
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest
import torch

from conftest import AKD_DISTILL, REPO
from distill_step import build_without_weights

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import vis_avatars  # noqa: E402
from vis_avatars import avatar_view  # noqa: E402

AKD_SEG = ('configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
           'toy-cityscapes.py')


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """Distillation checkpoints of random weights, as tools/train.py
    writes them, for the toy AKD configs."""
    root = tmp_path_factory.mktemp('akd_checkpoints')
    paths = {}
    for config in (AKD_SEG, AKD_DISTILL):
        torch.manual_seed(0)
        model, _ = build_without_weights(config)
        paths[config] = str(root / f'{osp.basename(config)}.pth')
        torch.save(dict(state_dict=model.state_dict(), meta={}),
                   paths[config])
    return paths


def test_the_view_is_the_losss_own_avatars_and_weights(
        checkpoints, toy_cityscapes, monkeypatch):
    monkeypatch.chdir(REPO)
    image = sorted(glob.glob(f'{toy_cityscapes}/leftImg8bit/val/*/*.png'))[0]
    view = avatar_view(AKD_SEG, checkpoints[AKD_SEG], image, seed=3)
    K = view.loss.num_avatars
    assert K == 4 and view.loss.weighting == 'variance'
    assert not view.loss.standardize
    assert view.avatars.shape == (1, K, *view.teacher.shape[1:])
    assert view.student.shape == view.teacher.shape  # both 19 class maps
    torch.testing.assert_close(view.weights.sum(), torch.tensor(1.0))
    # 'variance': the less uncertain avatar weighs more
    order_u = torch.argsort(view.uncertainty)
    order_w = torch.argsort(view.weights, descending=True)
    assert torch.equal(order_u, order_w)
    # dropout avatars: zeros where the teacher has none, elsewhere scaled
    for k in range(K):
        dropped = view.avatars[0, k] == 0
        assert 0 < dropped.float().mean() < 0.5
    again = avatar_view(AKD_SEG, checkpoints[AKD_SEG], image, seed=3)
    assert torch.equal(again.avatars, view.avatars)
    other = avatar_view(AKD_SEG, checkpoints[AKD_SEG], image, seed=4)
    assert not torch.equal(other.avatars, view.avatars)


def test_the_picture_has_a_panel_per_map_and_the_bars(checkpoints, toy_coco,
                                                      tmp_path, monkeypatch,
                                                      capsys):
    monkeypatch.chdir(REPO)
    image = sorted(glob.glob(f'{toy_coco}/val2017/*.jpg'))[0]
    out = tmp_path / 'avatars.png'
    vis_avatars.main([AKD_DISTILL, checkpoints[AKD_DISTILL], image,
                      '--level', '1', '--out', str(out)])
    assert ('loss_akd: ChannelWiseDivergence, K=4, standardize=True, '
            'weighting=uniform, level 1'
            in capsys.readouterr().out)
    picture = mpimg.imread(out)
    # image, teacher, 4 avatars, student, bars: 8 panels of 2.2 x 2.8 in
    assert picture.shape[:2] == (280, 1760)
    panels = np.split(picture[60:240, :, :3], 8, axis=1)
    assert all(panel.std() > 0.02 for panel in panels)


def test_a_config_without_akd_is_refused_in_one_line(toy_coco, checkpoints,
                                                     monkeypatch):
    monkeypatch.chdir(REPO)
    image = sorted(glob.glob(f'{toy_coco}/val2017/*.jpg'))[0]
    with pytest.raises(SystemExit) as stopped:
        vis_avatars.main([
            'configs/cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py',
            checkpoints[AKD_DISTILL], image
        ])
    message = str(stopped.value.code)
    assert message.startswith('error: ') and '\n' not in message
    assert 'has no AvatarKDLoss' in message
