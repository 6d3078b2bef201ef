"""Stop (or skip) at the first non-finite loss; never save NaN weights."""
import logging
import math
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.registry import HOOKS

from ...checkpoints.checkpoint_files import newest_readable
from ...utils.guard_error import GuardError
from ...utils.rank_agreement import on_any_rank

KEY = 'default_hooks.non_finite_guard.max_skips'


def _non_finite_tensors(state: Dict[str, torch.Tensor]) -> List[str]:
    return [
        key for key, value in state.items()
        if torch.is_tensor(value) and value.is_floating_point()
        and not torch.isfinite(value).all()
    ]


def _checkpoint_due(runner, by_epoch: bool) -> bool:
    """Whether a ``CheckpointHook`` saves at the end of this iteration
    (epoch): its own condition."""
    for hook in runner.hooks:
        if not isinstance(hook, CheckpointHook) or hook.by_epoch != by_epoch:
            continue
        if by_epoch:
            due = hook.every_n_epochs(runner, hook.interval, hook.save_begin)
            last = hook.is_last_train_epoch(runner)
        else:
            due = hook.every_n_train_iters(runner, hook.interval,
                                           hook.save_begin)
            last = hook.is_last_train_iter(runner)
        if due or (hook.save_last and last):
            return True
    return False


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Stop at the first non-finite total loss, before the optimiser steps.

    Each optimiser wrapper's ``update_params`` first checks the total loss
    (which sums every key containing ``loss``, distillation losses
    included), all-reduced so that under DDP every rank decides alike. A
    non-finite loss skips the backward pass and the step, so the weights
    stay as they were; a skip is refused, and the run stops, if its forward
    pass already wrote non-finite normalisation statistics. After
    ``max_skips`` skipped steps in a row, the next one stops the run on
    every rank with the non-finite loss keys (gathered from all ranks), the
    iteration and the newest good checkpoint. An iteration with several
    optimiser updates (e.g. a generator's and a student's) counts once.
    Under AMP, the gradient scaler's own skipped steps (finite loss,
    overflowing gradients) are not counted.

    A finite loss can still leave non-finite weights (an overflowing step).
    Where ``CheckpointHook`` is about to save, every rank checks the
    weights and buffers and stops together rather than save them; rank 0
    checks what it writes once more (``before_save_checkpoint``).

    Args:
        max_skips (int): Non-finite steps in a row to skip before stopping.
            Defaults to 0: stop at the first.
    """

    priority = 'ABOVE_NORMAL'  # before the checkpoint and logger hooks

    def __init__(self, max_skips: int = 0) -> None:
        if not isinstance(max_skips, int) or max_skips < 0:
            raise GuardError(
                f'{KEY} must be an integer >= 0, got {max_skips!r}')
        self.max_skips = max_skips
        self.skipped = False
        self.in_a_row = 0

    def before_train(self, runner) -> None:
        wrappers = runner.optim_wrapper
        if isinstance(wrappers, OptimWrapperDict):
            wrappers = list(wrappers.values())
        for wrapper in wrappers if isinstance(wrappers, list) else [wrappers]:
            if isinstance(wrapper, OptimWrapper):
                wrapper.update_params = self._guarded(wrapper)

    def _guarded(self, wrapper: OptimWrapper):
        update_params = wrapper.update_params

        def guarded_update_params(loss, step_kwargs=None, zero_kwargs=None):
            if on_any_rank(~torch.isfinite(loss.detach()).all()):
                self.skipped = True
                wrapper.zero_grad()
                return
            update_params(loss, step_kwargs, zero_kwargs)

        return guarded_update_params

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        self.skipped = False

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if self.skipped:
            self._count_skip(runner, outputs or {})
            return
        self.in_a_row = 0
        if _checkpoint_due(runner, by_epoch=False):
            self._check_weights(runner, runner.iter + 1)

    def after_train_epoch(self, runner) -> None:
        if _checkpoint_due(runner, by_epoch=True):
            self._check_weights(runner, runner.iter)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = _non_finite_tensors(checkpoint.get('state_dict', {}))
        if bad:
            iteration = checkpoint.get('meta', {}).get('iter', runner.iter)
            raise self._weights_error(runner, iteration, bad)

    def _count_skip(self, runner, outputs: dict) -> None:
        self.in_a_row += 1
        bad = {
            key: float(value)
            for key, value in outputs.items()
            if 'loss' in key and not math.isfinite(float(value))
        }
        per_rank = all_gather_object((get_rank(), bad))
        found = '; '.join(
            (f'rank {rank}: ' if len(per_rank) > 1 else '') +
            ', '.join(f'{key}={value}' for key, value in losses.items())
            for rank, losses in per_rank if losses) or 'a loss not logged'
        iteration = runner.iter + 1
        poisoned = self._non_finite_state(runner, 'buffers')
        if self.in_a_row <= self.max_skips and not poisoned:
            print_log(
                f'non-finite loss at iteration {iteration} ({found}): step '
                f'skipped ({self.in_a_row} in a row; {KEY}='
                f'{self.max_skips}).', logger='current',
                level=logging.WARNING)
            return
        if poisoned:
            found += ('; its forward pass wrote non-finite buffers (first: '
                      f'{", ".join(poisoned[:3])}), so the step cannot be '
                      'skipped')
        in_a_row = (f' ({self.in_a_row} steps in a row)'
                    if self.in_a_row > 1 else '')
        raise GuardError(
            f'non-finite loss at iteration {iteration}: {found}{in_a_row}'
            '. The step was not taken and nothing from it was saved; '
            f'{self._newest_checkpoint(runner)}. Lower the learning rate '
            '(optim_wrapper.optimizer.lr), clip gradients '
            '(optim_wrapper.clip_grad=dict(max_norm=10, norm_type=2)) or '
            'lower the loss_weight of the loss named, then --resume; or '
            f'skip up to N such steps in a row with {KEY}=N.')

    @staticmethod
    def _non_finite_state(runner, kind: str) -> List[str]:
        """Non-finite ``'buffers'`` or ``'parameters'`` of the model, agreed
        on by every rank (a name list only where found locally)."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        bad = _non_finite_tensors(dict(getattr(model, f'named_{kind}')()))
        device = next(model.parameters(), torch.empty(0)).device
        if on_any_rank(torch.tensor(bool(bad), device=device)):
            return bad or ['on another rank']
        return []

    def _check_weights(self, runner, iteration: int) -> None:
        bad = (self._non_finite_state(runner, 'parameters') +
               self._non_finite_state(runner, 'buffers'))
        if bad:
            raise self._weights_error(runner, iteration, bad)

    def _weights_error(self, runner, iteration: int,
                       bad: List[str]) -> GuardError:
        shown = f'{len(bad)} tensors, first: {", ".join(bad[:3])}'
        return GuardError(
            f'the weights became non-finite by iteration {iteration} '
            f'({shown}) though the loss was finite (overflowing '
            'gradients?): the checkpoint due now was not saved; '
            f'{self._newest_checkpoint(runner)}. Lower the learning rate '
            'or clip gradients (optim_wrapper.clip_grad), then --resume.')

    @staticmethod
    def _newest_checkpoint(runner) -> str:
        path, _ = newest_readable(runner.work_dir)
        if path:
            return f'the newest good checkpoint is {path}'
        return 'no checkpoint was saved before'
