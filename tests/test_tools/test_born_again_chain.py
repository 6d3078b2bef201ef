"""tools/born_again_chain.py: each generation learns from the one before,
or from the ensemble of all before it."""
import os.path as osp

import pytest
import torch
from test_tools.test_train_resume_test_convert import SHORT, save_random

from conftest import REPO, SEG_STUDENT, run_tool

BAN_SEG = 'configs/born-again/ban_logits_pspnet-r18-w16-d8_toy-cityscapes.py'
TAKD_STEP1 = ('configs/takd/takd-step1_logits_pspnet-r18-w32-d8_'
              'pspnet-r18-w16-d8_toy-cityscapes.py')


def _state(path):
    return torch.load(path)['state_dict']


def _part(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items()
            if k.startswith(prefix)}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_rejects_a_teacher_of_another_architecture():
    process = run_tool('tools/born_again_chain.py', TAKD_STEP1,
                       '--generations', '1', '--dry-run', check=False)
    assert process.returncode != 0
    assert 'born-again generations share one architecture' in process.stderr


@pytest.fixture(scope='module')
def chain(tmp_path_factory, toy_cityscapes):
    tmp = tmp_path_factory.mktemp('ban')
    gen0 = str(tmp / 'gen0.pth')  # a plain checkpoint as generation 0
    save_random(osp.join(REPO, SEG_STUDENT), gen0)
    work_dir = str(tmp / 'chain')
    args = ('tools/born_again_chain.py', BAN_SEG, '--generations', '2',
            '--gen0', gen0, '--ensemble', 'mean_probs', '--work-dir',
            work_dir, '--',
            '--data-root', toy_cityscapes, '--cfg-options', *SHORT)
    return dict(work_dir=work_dir, gen0=gen0, args=args,
                first=run_tool(*args))


def test_generation_one_learns_from_generation_zero(chain):
    gen = {g: osp.join(chain['work_dir'], f'gen{g}') for g in range(3)}
    gen0 = _state(chain['gen0'])
    gen1_run = _state(osp.join(gen[1], 'iter_4.pth'))
    assert _same(_part(gen1_run, 'teacher.'), gen0)
    assert _same(_state(osp.join(gen[1], 'student.pth')),
                 _part(gen1_run, 'architecture.'))


def test_generation_two_learns_from_the_ensemble_of_both(chain):
    gen = {g: osp.join(chain['work_dir'], f'gen{g}') for g in range(3)}
    gen2_run = _state(osp.join(gen[2], 'iter_4.pth'))
    students = [chain['gen0'], osp.join(gen[1], 'student.pth')]
    for g, student in enumerate(students):
        assert _same(_part(gen2_run, f'teacher.gen{g}.'), _state(student))
    assert osp.isfile(osp.join(gen[2], 'born_again_ensemble.py'))
    assert osp.isfile(osp.join(gen[2], 'student.pth'))


def test_rerun_keeps_the_finished_generations(chain):
    again = run_tool(*chain['args'])
    assert again.stdout.count('done before') == 2
