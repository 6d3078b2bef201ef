from types import SimpleNamespace

import pytest
import torch
from akd.engine.guard_error import GuardError
from akd.engine.hooks import CheckpointFitHook
from torch import nn


def _student():
    torch.manual_seed(1)
    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))


class Distillation(nn.Module):

    def __init__(self):
        super().__init__()
        self.architecture = _student()
        self.teacher = nn.Conv2d(3, 8, 1)


def _runner(model, load_from='ckpt.pth', resume=False):
    return SimpleNamespace(model=model, _load_from=load_from, _resume=resume,
                           work_dir='work')


def test_plain_checkpoint_becomes_the_distillations_student():
    state = _student().state_dict()
    checkpoint = dict(state_dict=state)
    model = Distillation()
    CheckpointFitHook().after_load_checkpoint(_runner(model), checkpoint)
    assert set(checkpoint['state_dict']) == {
        f'architecture.{key}' for key in state
    }
    assert torch.equal(model.architecture[0].weight, state['0.weight'])


def test_distillation_checkpoint_gives_a_plain_model_its_student():
    student = _student().state_dict()
    state = {f'architecture.{k}': v for k, v in student.items()}
    state['teacher.weight'] = torch.ones(8, 3, 1, 1)
    checkpoint = dict(state_dict=state)
    CheckpointFitHook().after_load_checkpoint(_runner(_student()), checkpoint)
    assert set(checkpoint['state_dict']) == set(student)


def test_checkpoint_below_min_coverage_is_refused():
    other = nn.Sequential(nn.Conv2d(3, 5, 1), nn.BatchNorm2d(5))
    checkpoint = dict(state_dict=other.state_dict())
    with pytest.raises(GuardError, match=r"load_from='ckpt.pth' does not fit "
                       r'the student \(Sequential\): it fills 0.0%'):
        CheckpointFitHook().after_load_checkpoint(_runner(Distillation()),
                                                  checkpoint)
    with pytest.raises(GuardError, match=r'resume \(the latest checkpoint in '
                       r'work\) does not fit the Sequential'):
        CheckpointFitHook().after_load_checkpoint(
            _runner(_student(), load_from=None, resume=True), checkpoint)


def test_min_coverage_admits_a_partial_checkpoint():
    state = _student().state_dict()
    del state['1.weight'], state['1.bias']  # 8 of 32 values missing
    hook = CheckpointFitHook(min_coverage=0.75)
    hook.after_load_checkpoint(_runner(_student()), dict(state_dict=state))
    with pytest.raises(GuardError, match=r'fills 75.0%.*\(now 0.8\)'):
        CheckpointFitHook(min_coverage=0.8).after_load_checkpoint(
            _runner(_student()), dict(state_dict=state))


def test_rejects_min_coverage_outside_0_1():
    with pytest.raises(ValueError,
                       match='default_hooks.checkpoint_fit.min_coverage'):
        CheckpointFitHook(min_coverage=1.5)
