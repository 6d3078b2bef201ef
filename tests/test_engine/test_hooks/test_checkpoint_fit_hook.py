from types import SimpleNamespace

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from akd.engine.hooks import CheckpointFitHook
from akd.utils.guard_error import GuardError


def _student():
    torch.manual_seed(1)
    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))


class Distillation(nn.Module):

    def __init__(self):
        super().__init__()
        self.architecture = _student()
        self.teacher = nn.Conv2d(3, 8, 1)


def _runner(model, load_from='ckpt.pth', resume=False):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return SimpleNamespace(model=model, _load_from=load_from, _resume=resume,
                           work_dir='work',
                           optim_wrapper=OptimWrapper(optimizer))


def _training_checkpoint(model, **optimizer_args):
    """What a run of ``model`` saves: weights, iteration, optimizer state
    after one step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                                **optimizer_args)
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    optimizer.step()
    return dict(state_dict=model.state_dict(), meta=dict(iter=2, epoch=0),
                optimizer=optimizer.state_dict(), message_hub={})


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


def test_resume_needs_every_weight_of_the_model_and_nothing_else():
    hook, model = CheckpointFitHook(), _student()
    other = nn.Sequential(nn.Conv2d(3, 5, 1), nn.BatchNorm2d(5))
    with pytest.raises(GuardError, match=r"resume \(the latest checkpoint in "
                       r"work\) is not a checkpoint of this run's Sequential: "
                       r'it fills 0.0%.*--resume continues a run of the same '
                       'config'):
        hook.after_load_checkpoint(_runner(model, None, True),
                                   _training_checkpoint(other))
    bigger = _training_checkpoint(_student())
    bigger['state_dict']['2.weight'] = torch.ones(1)
    with pytest.raises(GuardError, match=r'the file has 1 entries the model '
                       r'lacks \(first: 2.weight\)'):
        hook.after_load_checkpoint(_runner(model, 'x.pth', True), bigger)
    hook.after_load_checkpoint(_runner(model, 'x.pth', True),
                               _training_checkpoint(_student()))


def test_resume_of_weights_only_is_refused_with_load_from():
    with pytest.raises(GuardError, match=r"resume='x.pth' holds weights only.*"
                       'load_from=x.pth'):
        CheckpointFitHook().after_load_checkpoint(
            _runner(_student(), 'x.pth', True),
            dict(state_dict=_student().state_dict()))


def test_resume_with_another_optimizer_state_is_refused_or_dropped():
    """Adam's state does not fit SGD's; with resume_optimizer=False the
    checkpoint goes on without its optimizer state."""
    model = _student()
    adam = torch.optim.Adam(model.parameters())
    checkpoint = _training_checkpoint(model)
    checkpoint['optimizer'] = adam.state_dict()
    with pytest.raises(GuardError, match=r"its optimizer state does not fit "
                       r"this run's optimizer: parameter group 0 has \["
                       r"'betas'\] in the file and \['momentum'\] here"):
        CheckpointFitHook().after_load_checkpoint(
            _runner(model, 'x.pth', True), checkpoint)
    CheckpointFitHook(resume_optimizer=False).after_load_checkpoint(
        _runner(model, 'x.pth', True), checkpoint)
    assert 'optimizer' not in checkpoint


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
