"""Stop (or skip) at the first non-finite loss; never save NaN weights."""
import math
from typing import Dict, List, Optional

import torch
import torch.distributed as dist
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.registry import HOOKS

from ..checkpoint_files import newest_readable
from ..guard_error import GuardError

KEY = 'default_hooks.non_finite_guard.max_skips'
WARNING = 30


def _all_ranks_finite(loss: torch.Tensor) -> bool:
    """Whether ``loss`` is finite on every rank (one all-reduce under DDP,
    so that every rank takes the same branch)."""
    bad = (~torch.isfinite(loss.detach())).any().to(torch.float32)
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(bad, op=dist.ReduceOp.MAX)
    return not bad.item()


def _non_finite_tensors(state: Dict[str, torch.Tensor]) -> List[str]:
    return [
        key for key, value in state.items()
        if torch.is_tensor(value) and value.is_floating_point()
        and not torch.isfinite(value).all()
    ]


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Stop at the first non-finite total loss, before the optimiser steps.

    Each optimiser wrapper's ``update_params`` first checks the total loss
    (which sums every key containing ``loss``, distillation losses
    included), all-reduced so that under DDP every rank decides alike. A
    non-finite loss skips the backward pass and the step, so the weights
    stay as they were. After ``max_skips`` skipped steps in a row, the next
    one stops the run on every rank with the non-finite loss keys (gathered
    from all ranks), the iteration and the newest good checkpoint. Before a
    checkpoint is written, its weights are checked too: a non-finite tensor
    stops the run instead of being saved. Under AMP, the gradient scaler's
    own skipped steps (finite loss, overflowing gradients) are not counted.

    Args:
        max_skips (int): Non-finite steps in a row to skip before stopping.
            Defaults to 0: stop at the first.
    """

    priority = 'ABOVE_NORMAL'  # before the checkpoint and logger hooks

    def __init__(self, max_skips: int = 0) -> None:
        if not isinstance(max_skips, int) or max_skips < 0:
            raise ValueError(
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
            self.skipped = not _all_ranks_finite(loss)
            if self.skipped:
                wrapper.zero_grad()
                return
            update_params(loss, step_kwargs, zero_kwargs)

        return guarded_update_params

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not self.skipped:
            self.in_a_row = 0
            return
        self.skipped = False
        self.in_a_row += 1
        bad = {
            key: float(value)
            for key, value in (outputs or {}).items()
            if 'loss' in key and not math.isfinite(float(value))
        }
        per_rank = all_gather_object((get_rank(), bad))
        found = '; '.join(
            (f'rank {rank}: ' if len(per_rank) > 1 else '') +
            ', '.join(f'{key}={value}' for key, value in losses.items())
            for rank, losses in per_rank if losses)
        iteration = runner.iter + 1
        if self.in_a_row <= self.max_skips:
            print_log(
                f'non-finite loss at iteration {iteration} ({found}): step '
                f'skipped ({self.in_a_row} in a row; {KEY}='
                f'{self.max_skips}).', logger='current', level=WARNING)
            return
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

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = _non_finite_tensors(checkpoint.get('state_dict', {}))
        if bad:
            iteration = checkpoint.get('meta', {}).get('iter', runner.iter)
            raise GuardError(
                f'the weights became non-finite by iteration {iteration} '
                f'({len(bad)} tensors, first: {", ".join(bad[:3])}) though '
                'the loss was finite (overflowing gradients?): this '
                'checkpoint was not saved; '
                f'{self._newest_checkpoint(runner)}. Lower the learning rate '
                'or clip gradients (optim_wrapper.clip_grad), then --resume.')

    @staticmethod
    def _newest_checkpoint(runner) -> str:
        path, _ = newest_readable(runner.work_dir)
        if path:
            return f'the newest good checkpoint is {path}'
        return 'no checkpoint was saved before'
