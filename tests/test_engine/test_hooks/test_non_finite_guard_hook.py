import socket
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.hooks import CheckpointHook
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from akd.engine.hooks import NonFiniteGuardHook
from akd.utils.guard_error import GuardError


def _runner(tmp_path, iteration=0):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    return SimpleNamespace(model=model, optim_wrapper=wrapper, hooks=[],
                           iter=iteration, max_iters=100,
                           work_dir=str(tmp_path))


def _step(hook, runner, scale):
    """One training step whose loss is ``scale`` times a finite loss."""
    hook.before_train_iter(runner, 0)
    loss = runner.model(torch.ones(2, 3)).sum() * scale
    runner.optim_wrapper.update_params(loss)
    outputs = {'loss': loss.detach(), 'distill.loss_kd': loss.detach()}
    hook.after_train_iter(runner, 0, outputs=outputs)
    runner.iter += 1


def test_non_finite_loss_stops_before_the_step(tmp_path):
    hook, runner = NonFiniteGuardHook(), _runner(tmp_path)
    hook.before_train(runner)
    _step(hook, runner, 1.0)
    before = runner.model.weight.detach().clone()
    with pytest.raises(GuardError, match=r'non-finite loss at iteration 2: '
                       r'loss=nan, distill.loss_kd=nan\. The step was not '
                       'taken.*no checkpoint was saved before'):
        _step(hook, runner, float('nan'))
    assert torch.equal(runner.model.weight, before)


def test_max_skips_skips_that_many_in_a_row_then_stops(tmp_path):
    hook, runner = NonFiniteGuardHook(max_skips=2), _runner(tmp_path)
    hook.before_train(runner)
    before = runner.model.weight.detach().clone()
    _step(hook, runner, float('inf'))
    _step(hook, runner, float('inf'))
    assert torch.equal(runner.model.weight, before)
    _step(hook, runner, 1.0)  # a good step resets the count
    assert not torch.equal(runner.model.weight, before)
    _step(hook, runner, float('inf'))
    _step(hook, runner, float('inf'))
    with pytest.raises(GuardError, match=r'\(3 steps in a row\)'):
        _step(hook, runner, float('inf'))


def test_checkpoint_with_non_finite_weights_is_refused(tmp_path):
    hook, runner = NonFiniteGuardHook(), _runner(tmp_path)
    state = {'w': torch.tensor([1.0, float('nan')]), 'n': torch.tensor(3)}
    with pytest.raises(GuardError, match=r'non-finite by iteration 7 \(1 '
                       r'tensors, first: w\)'):
        hook.before_save_checkpoint(
            runner, dict(state_dict=state, meta=dict(iter=7)))
    hook.before_save_checkpoint(runner, dict(state_dict={'w': torch.ones(1)}))


def test_weights_are_checked_where_a_checkpoint_is_due(tmp_path):
    hook, runner = NonFiniteGuardHook(), _runner(tmp_path)
    runner.hooks = [CheckpointHook(interval=2, by_epoch=False)]
    hook.before_train(runner)
    optimizer = runner.optim_wrapper.optimizer
    step = optimizer.step

    def overflowing_step(*args, **kwargs):  # finite loss, inf weights
        step(*args, **kwargs)
        with torch.no_grad():
            runner.model.bias.fill_(float('inf'))

    _step(hook, runner, 1.0)  # iteration 1: no checkpoint due
    optimizer.step = overflowing_step
    with pytest.raises(GuardError, match=r'non-finite by iteration 2 \(1 '
                       r'tensors, first: bias\).*due now was not saved'):
        _step(hook, runner, 1.0)


def test_newest_good_checkpoint_is_named(tmp_path):
    hook, runner = NonFiniteGuardHook(), _runner(tmp_path)
    torch.save({'w': torch.ones(1)}, tmp_path / 'iter_4.pth')
    hook.before_train(runner)
    with pytest.raises(GuardError, match='the newest good checkpoint is .*'
                       'iter_4.pth'):
        _step(hook, runner, float('nan'))


@pytest.mark.parametrize('max_skips', [-1, 1.5])
def test_rejects_bad_max_skips_naming_the_key(max_skips):
    with pytest.raises(ValueError,
                       match='default_hooks.non_finite_guard.max_skips'):
        NonFiniteGuardHook(max_skips=max_skips)


def _rank_step(rank, port, tmp_path, results):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    hook, runner = NonFiniteGuardHook(), _runner(tmp_path)
    hook.before_train(runner)
    before = runner.model.weight.detach().clone()
    try:
        _step(hook, runner, float('nan') if rank == 1 else 1.0)
        results[rank] = 'trained on'
    except GuardError as error:
        results[rank] = str(error)
    results[f'{rank} unchanged'] = torch.equal(runner.model.weight, before)
    dist.destroy_process_group()


def test_every_rank_stops_when_one_rank_is_non_finite(tmp_path):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    results = mp.Manager().dict()
    mp.spawn(_rank_step, args=(port, str(tmp_path), results), nprocs=2)
    for rank in (0, 1):
        assert results[rank].startswith(
            'non-finite loss at iteration 1: rank 1: loss=nan')
        assert results[f'{rank} unchanged']


class SkippingOptimWrapper(OptimWrapper):
    """Skips steps with non-finite gradients, as AMP's GradScaler does."""

    def step(self, **kwargs):
        grads = [p.grad for p in self.param_groups[0]['params']]
        if all(torch.isfinite(g).all() for g in grads):
            super().step(**kwargs)


def test_steps_skipped_for_overflowing_gradients_are_not_counted(tmp_path):
    hook, runner = NonFiniteGuardHook(), _runner(tmp_path)
    runner.optim_wrapper = SkippingOptimWrapper(
        torch.optim.SGD(runner.model.parameters(), lr=0.1))
    runner.model.weight.register_hook(lambda grad: grad * float('inf'))
    hook.before_train(runner)
    before = runner.model.weight.detach().clone()
    for _ in range(3):  # finite losses, overflowing gradients
        _step(hook, runner, 1.0)
    assert torch.equal(runner.model.weight, before)
    assert hook.in_a_row == 0


def test_a_bad_update_among_several_in_an_iteration_counts(tmp_path):
    """A generator's NaN loss next to a finite student loss (DAFL)."""
    hook, runner = NonFiniteGuardHook(), _runner(tmp_path)
    generator = nn.Linear(3, 1)
    runner.optim_wrapper = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.SGD(generator.parameters(), 0.1)),
        student=OptimWrapper(torch.optim.SGD(runner.model.parameters(), 0.1)))
    hook.before_train(runner)
    hook.before_train_iter(runner, 0)
    x = torch.ones(2, 3)
    runner.optim_wrapper['generator'].update_params(
        generator(x).sum() * float('nan'))
    runner.optim_wrapper['student'].update_params(runner.model(x).sum())
    with pytest.raises(GuardError, match='non-finite loss at iteration 1'):
        hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(1.)})


def test_a_step_whose_forward_poisoned_the_norm_statistics_is_not_skipped(
        tmp_path):
    hook, runner = NonFiniteGuardHook(max_skips=5), _runner(tmp_path)
    runner.model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    runner.optim_wrapper = OptimWrapper(
        torch.optim.SGD(runner.model.parameters(), lr=0.1))
    hook.before_train(runner)
    hook.before_train_iter(runner, 0)
    nan_input = torch.full((4, 3), float('nan'))
    runner.optim_wrapper.update_params(runner.model(nan_input).sum())
    with pytest.raises(GuardError, match=r'wrote non-finite buffers \(first: '
                       r'1.running_mean.*cannot be skipped'):
        hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(0.)})
