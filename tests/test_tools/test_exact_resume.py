"""A run killed (SIGKILL) at random iterations and resumed each time ends
exactly as the uninterrupted run: the same logged losses at every
iteration and the same final weights and optimizer state, bit for bit (one
thread, the same code path).

One case per algorithm with state of its own: AKD's random avatars,
SwitOKD's mode and the peers' optimizers, MasKD's warm-up (it ends at
iteration 3, within the run), CRD's memory bank, TCS's basis buffer,
DML's two peers. Under 2-process DDP (tools/dist_train.sh), AKD
(teacher-free, on FRSKD) and SwitOKD are killed on one rank and resumed on
both.
"""
import json
import os
import random
import subprocess
import sys

import pytest
from resume_runs import (EXACT, checkpoint_differences, killing_config,
                         logged_iterations)
from test_tools.test_dist_train import FRSKD_AKD_SEG, SWITOKD_SEG, dist_train
from test_tools.test_train_resume_test_convert import teacher_options

from conftest import AKD_DISTILL, REPO

ITERS = 4
DRAWS = random.Random(28)  # reproducible kill points, drawn per case
CASES = {
    'akd-det': (AKD_DISTILL, 2, []),
    'switokd-seg': (SWITOKD_SEG, 1, []),
    'maskd-det': ('configs/maskd/maskd_fpn_retina-r18-w32_retina-r18-w16_'
                  'toy-coco.py', 1,
                  ['model.distiller.distill_losses.loss_maskd_fpn.'
                   'tokens_ckpt=None',
                   'model.distiller.distill_losses.loss_maskd_fpn.'
                   'custom_mask_warmup=2']),
    'crd-seg': ('configs/crd/crd_backbone_pspnet-r18-w32-d8_pspnet-r18-w16-'
                'd8_toy-cityscapes.py', 1, []),
    'tcs-det': ('configs/tcs/tcs_fpn_retina-r18-w32_retina-r18-w16_'
                'toy-coco.py', 1, []),
    'dml-det': ('configs/dml/dml_logits_retina-r18-w16x2_toy-coco.py', 1, []),
}
KILLS = {
    name: sorted(DRAWS.sample(range(2, ITERS + 1), count))
    for name, (_, count, _) in sorted(CASES.items())
}


def _assert_same_run(straight: str, killed: str, kills) -> None:
    expected, got = logged_iterations(straight), logged_iterations(killed)
    assert sorted(expected) == list(range(1, ITERS + 1))
    for iteration, record in expected.items():
        assert got.get(iteration) == record, (kills, iteration)
    last = f'iter_{ITERS}.pth'
    assert checkpoint_differences(os.path.join(straight, last),
                                  os.path.join(killed, last)) == [], kills


@pytest.fixture(scope='module', params=sorted(CASES))
def one_process_run(request, tmp_path_factory):
    """A case's uninterrupted and killed runs, in one harness process
    (tests/resume_runs.py); a fixture per case, so that pytest's workers
    share the cases."""
    name = request.param
    config, _, options = CASES[name]
    root = tmp_path_factory.mktemp(name)
    data = 'toy_coco' if 'coco' in config else 'toy_cityscapes'
    spec = dict(config=config, data_root=request.getfixturevalue(data),
                iters=ITERS, kills=KILLS[name], root=str(root),
                options=['train_dataloader.batch_size=2', *options,
                         *teacher_options(config, root / 'teacher.pth')])
    spec_path = root / 'spec.json'
    spec_path.write_text(json.dumps([spec]))
    process = subprocess.run(
        [sys.executable, os.path.join(REPO, 'tests', 'resume_runs.py'),
         str(spec_path)], cwd=REPO, capture_output=True, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert process.returncode == 0, process.stderr[-5000:]
    return name, root


def test_killed_and_resumed_run_repeats_the_uninterrupted_one(
        one_process_run):
    name, root = one_process_run
    _assert_same_run(str(root / 'straight'), str(root / 'killed'),
                     KILLS[name])


@pytest.mark.parametrize('config, log_key', [
    (FRSKD_AKD_SEG, 'distill.akd_weight_spread'),
    (SWITOKD_SEG, 'switch.expert'),
], ids=['frskd-akd-seg', 'switokd-seg'])
def test_two_process_run_killed_on_one_rank_resumes_exactly(
        toy_cityscapes, tmp_path, config, log_key):
    """Rank 0 is killed as it starts an iteration (its save of the last
    one done); torchrun stops rank 1; both resume. SwitOKD's mode is agreed
    by the ranks, each peer has its DDP wrapper and optimizer."""
    kill_at = DRAWS.randint(2, ITERS)
    straight, killed = str(tmp_path / 'straight'), str(tmp_path / 'killed')
    output = dist_train(
        config, toy_cityscapes, straight, ITERS, tmp_path,
        options=[*EXACT, f'default_hooks.checkpoint.interval={ITERS}'])
    assert log_key in output
    dying = killing_config(config, str(tmp_path / 'killed_config.py'),
                           kill_at, rank=0)
    output = dist_train(dying, toy_cityscapes, killed, ITERS, tmp_path,
                        options=EXACT, check=False,
                        env=dict(PYTHONPATH=os.path.join(REPO, 'tests')))
    assert f'iter_{kill_at - 1}.pth' in os.listdir(killed), output[-3000:]
    assert f'iter_{kill_at}.pth' not in os.listdir(killed)
    output = dist_train(config, toy_cityscapes, killed, ITERS, tmp_path,
                        '--resume', options=EXACT)
    assert f'resumed epoch: 0, iter: {kill_at - 1}' in output
    _assert_same_run(straight, killed, [kill_at])
