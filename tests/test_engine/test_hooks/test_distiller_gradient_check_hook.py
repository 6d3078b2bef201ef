from types import SimpleNamespace

import pytest
import torch
from torch import nn

from akd.engine.hooks import DistillerGradientCheckHook
from akd.utils.guard_error import GuardError


class Algorithm(nn.Module):
    """A student, a frozen teacher and a distiller with a connector."""

    def __init__(self):
        super().__init__()
        self.architecture = nn.Linear(2, 2)
        self.teacher = nn.Linear(2, 2).requires_grad_(False)
        self.distiller = nn.Module()
        self.distiller.connectors = nn.ModuleDict({'proj': nn.Linear(2, 2)})

    def loss(self, x, use_connector):
        student = self.architecture(x)
        if use_connector:
            student = self.distiller.connectors.proj(student)
        return (student - self.teacher(x)).pow(2).sum()


def _iteration(hook, runner, use_connector=True, backward=True):
    if backward:
        runner.model.loss(torch.ones(1, 2), use_connector).backward()
    hook.after_train_iter(runner, 0)


def _hooked(model):
    runner = SimpleNamespace(model=model, iter=0)
    hook = DistillerGradientCheckHook()
    hook.before_train(runner)
    return hook, runner


def test_connector_without_gradient_is_named():
    hook, runner = _hooked(Algorithm())
    with pytest.raises(GuardError, match=r'model.distiller.connectors.proj '
                       r'received no gradient in iteration 1 \(2 '
                       'parameters'):
        _iteration(hook, runner, use_connector=False)


def test_connector_with_gradient_passes_and_stops_watching():
    hook, runner = _hooked(Algorithm())
    _iteration(hook, runner)
    assert not hook._handles
    _iteration(hook, runner, use_connector=False)  # later iterations: free


def test_a_step_without_backward_defers_the_check():
    hook, runner = _hooked(Algorithm())
    _iteration(hook, runner, backward=False)  # e.g. a skipped NaN step
    with pytest.raises(GuardError, match='iteration 1'):
        _iteration(hook, runner, use_connector=False)


def test_nothing_to_check_without_distiller_parameters():
    model = Algorithm()
    model.distiller.connectors.requires_grad_(False)
    hook, runner = _hooked(model)
    assert not hook._handles


def test_plain_models_are_not_checked():
    """A detector's unused backbone stage is not a distiller part."""
    plain = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    hook, runner = _hooked(plain)
    assert not hook._handles
    plain[0](torch.ones(1, 2)).sum().backward()
    hook.after_train_iter(runner, 0)  # plain[1] got no gradient: fine
