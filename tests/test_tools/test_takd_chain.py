"""tools/takd_chain.py: each step's teacher is the previous step's student."""
import os.path as osp

import pytest
import torch
from test_tools.test_train_resume_test_convert import SHORT, teacher_options

from conftest import run_tool

STEP1 = ('configs/takd/takd-step1_logits_pspnet-r18-w32-d8_'
         'pspnet-r18-w16-d8_toy-cityscapes.py')
STEP2 = ('configs/takd/takd-step2_logits_pspnet-r18-w16-d8_'
         'pspnet-r18-w8-d8_toy-cityscapes.py')
DET_STEP2 = ('configs/takd/takd-step2_logits_retina-r18-w16_'
             'retina-r18-w8_toy-coco.py')


def test_rejects_a_teacher_that_is_not_the_previous_student():
    process = run_tool('tools/takd_chain.py', STEP1, DET_STEP2, '--dry-run',
                       check=False)
    assert process.returncode != 0
    assert 'the assistant must be the next teacher' in process.stderr


@pytest.fixture(scope='module')
def chain(tmp_path_factory, toy_cityscapes):
    tmp = tmp_path_factory.mktemp('takd')
    work_dir = str(tmp / 'chain')
    args = ('tools/takd_chain.py', STEP1, STEP2, '--work-dir', work_dir, '--',
            '--data-root', toy_cityscapes, '--cfg-options', *SHORT,
            *teacher_options(STEP1, tmp / 'teacher.pth'))
    return dict(work_dir=work_dir, args=args, first=run_tool(*args))


def test_second_teacher_is_the_first_student(chain):
    first_student = torch.load(
        osp.join(chain['work_dir'], 'step1', 'student.pth'))['state_dict']
    second = torch.load(
        osp.join(chain['work_dir'], 'step2', 'iter_4.pth'))['state_dict']
    teacher = {
        key[len('teacher.'):]: value
        for key, value in second.items() if key.startswith('teacher.')
    }
    assert teacher.keys() == first_student.keys()
    assert all(torch.equal(teacher[k], v) for k, v in first_student.items())
    assert osp.isfile(osp.join(chain['work_dir'], 'step2', 'student.pth'))


def test_rerun_keeps_the_finished_steps(chain):
    again = run_tool(*chain['args'])
    assert again.stdout.count('done before') == 2
