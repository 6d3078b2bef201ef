"""tools/dist_train.sh runs 2 processes on CPU (gloo) with no config edits."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

from conftest import REPO, SEG_DISTILL
from test_tools.test_train_resume_test_convert import _teacher_checkpoint


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


AKD_SEG = ('configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
           'toy-cityscapes.py')
# AKD-MGD: avatars around MMRazor's trainable MGD generators (connectors)
AKD_MGD_DET = ('configs/akd/akd-mgd_fpn_cascade-rcnn-r18-w32_'
               'faster-rcnn-r18-w16_toy-coco.py')
# MasKD stage 1: only the receptive tokens are trained, the detector frozen
MASKD_TOKENS = 'configs/maskd/maskd-tokens_fpn_retina-r18-w32_2k_toy-coco.py'


@pytest.mark.parametrize('config,log_key', [
    (SEG_DISTILL, 'distill.loss_cwd'),
    (AKD_SEG, 'distill.akd_uncertainty'),
    (AKD_MGD_DET, 'distill.akd_fpn4_weight_spread'),
    (MASKD_TOKENS, 'loss_mask_diversity'),
], ids=['cwd-seg', 'akd-cwd-seg', 'akd-mgd-det', 'maskd-tokens-det'])
def test_dist_train_two_cpu_processes(config, log_key, request, tmp_path):
    data_root = request.getfixturevalue(
        'toy_coco' if 'coco' in config else 'toy_cityscapes')
    teacher_ckpt = _teacher_checkpoint(config, tmp_path / 'teacher.pth')
    env = dict(os.environ, PYTHON=sys.executable, PORT=_free_port(),
               OMP_NUM_THREADS='1')
    work_dir = str(tmp_path / 'ddp')
    process = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
         work_dir, '--data-root', data_root, '--cfg-options',
         'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
         'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
         'default_hooks.logger.interval=1',
         'default_hooks.checkpoint.interval=2',
         f'model.teacher_ckpt={teacher_ckpt}'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-5000:]
    assert 'Distributed training: True' in output
    assert 'GPU number: 2' in output or 'World size: 2' in output
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    assert log_key in output
