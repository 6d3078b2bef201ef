"""tools/dist_train.sh runs 2 processes on CPU (gloo) with no config edits."""
import os
import os.path as osp
import socket
import subprocess
import sys

from conftest import REPO, SEG_DISTILL
from test_tools.test_train_resume_test_convert import _teacher_checkpoint


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def test_dist_train_two_cpu_processes(toy_cityscapes, tmp_path):
    teacher_ckpt = _teacher_checkpoint(SEG_DISTILL, tmp_path / 'teacher.pth')
    env = dict(os.environ, PYTHON=sys.executable, PORT=_free_port(),
               OMP_NUM_THREADS='1')
    work_dir = str(tmp_path / 'ddp')
    process = subprocess.run(
        ['bash', 'tools/dist_train.sh', SEG_DISTILL, '2', '--work-dir',
         work_dir, '--data-root', toy_cityscapes, '--cfg-options',
         'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
         'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
         'default_hooks.checkpoint.interval=2',
         f'model.teacher_ckpt={teacher_ckpt}'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-5000:]
    assert 'Distributed training: True' in output
    assert 'GPU number: 2' in output or 'World size: 2' in output
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
