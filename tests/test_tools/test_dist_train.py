"""tools/dist_train.sh runs 2 processes on CPU (gloo) with no config edits."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
from test_tools.test_train_resume_test_convert import teacher_options

from conftest import DET_DISTILL, REPO, SEG_DISTILL


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


AKD_SEG = ('configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
           'toy-cityscapes.py')
# AKD-MGD: avatars around MMRazor's trainable MGD generators (connectors)
AKD_MGD_DET = ('configs/akd/akd-mgd_fpn_cascade-rcnn-r18-w32_'
               'faster-rcnn-r18-w16_toy-coco.py')
# CrossKD: the student's head features through the frozen teacher's head
CROSSKD_DET = ('configs/crosskd/crosskd_retina_retina-r18-w32_'
               'retina-r18-w16_toy-coco.py')
# MasKD stage 1: only the receptive tokens are trained, the detector frozen
MASKD_TOKENS = 'configs/maskd/maskd-tokens_fpn_retina-r18-w32_2k_toy-coco.py'
# FRSKD: a self-teacher and a head copy trained beside the network
FRSKD_DET = 'configs/frskd/frskd_retina-r18-w16_toy-coco.py'
# teacher-free AKD: avatars of the self-teacher's logits
FRSKD_AKD_SEG = 'configs/frskd/frskd-akd_pspnet-r18-w16-d8_toy-cityscapes.py'
# online: a teacher and a student trained together, the teacher switched
SWITOKD_SEG = ('configs/switokd/switokd_logits_pspnet-r18-w32-d8_'
               'pspnet-r18-w16-d8_toy-cityscapes.py')


def dist_train(config, data_root, work_dir, max_iters, tmp_path, *extra,
               options=(), check=True, env=None):
    """tools/dist_train.sh on 2 CPU processes; ``env`` adds variables."""
    env = dict(os.environ, PYTHON=sys.executable, PORT=_free_port(),
               OMP_NUM_THREADS='1', **(env or {}))
    process = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
         work_dir, '--data-root', data_root, *extra, '--cfg-options',
         'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
         f'train_cfg.max_iters={max_iters}', 'train_cfg.val_interval=2',
         'default_hooks.logger.interval=1',
         'default_hooks.checkpoint.interval=2',
         *teacher_options(config, tmp_path / 'teacher.pth'), *options],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = process.stdout + process.stderr
    assert (process.returncode == 0) == check, output[-5000:]
    assert 'Distributed training: True' in output
    assert 'GPU number: 2' in output or 'World size: 2' in output
    return output


@pytest.mark.parametrize('config,log_key', [
    (SEG_DISTILL, 'distill.loss_cwd'),
    (AKD_SEG, 'distill.akd_uncertainty'),
    (AKD_MGD_DET, 'distill.akd_fpn4_weight_spread'),
    (CROSSKD_DET, 'distill.loss_cross_box'),
    (MASKD_TOKENS, 'loss_mask_diversity'),
    (FRSKD_DET, 'distill.loss_soft_label'),
    (FRSKD_AKD_SEG, 'distill.akd_weight_spread'),
], ids=[
    'cwd-seg', 'akd-cwd-seg', 'akd-mgd-det', 'crosskd-det',
    'maskd-tokens-det',
    'frskd-det', 'frskd-akd-seg'
])
def test_dist_train_two_cpu_processes(config, log_key, request, tmp_path):
    data_root = request.getfixturevalue(
        'toy_coco' if 'coco' in config else 'toy_cityscapes')
    work_dir = str(tmp_path / 'ddp')
    output = dist_train(config, data_root, work_dir, 2, tmp_path)
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    assert log_key in output


def test_dist_train_stops_every_rank_at_a_non_finite_loss(toy_coco, tmp_path):
    work_dir = tmp_path / 'ddp'
    output = dist_train(
        DET_DISTILL, toy_coco, str(work_dir), 4, tmp_path,
        options=['optim_wrapper.optimizer.lr=1e12',
                 'optim_wrapper.clip_grad=None'], check=False)
    assert output.count('error: non-finite loss at iteration 2: rank 0: '
                        'loss=nan') == 2, output[-5000:]
    assert not list(work_dir.glob('*.pth'))
