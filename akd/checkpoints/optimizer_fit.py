"""Whether a saved optimizer state fits the run's optimizer.

torch's ``Optimizer.load_state_dict`` checks only the number of parameter
groups and of tensors in each; it loads momentum of another shape, or an
SGD state into AdamW, and the run fails at its first step or trains on a
stale state. The comparison here is made before anything is loaded.
"""
from typing import List, Optional

import torch

# Group hyper-parameters that only some optimizer types have: which of them
# a group holds tells SGD from Adam(W) from RMSprop and the like.
TYPE_KEYS = ('momentum', 'betas', 'rho', 'lr_decay', 'alpha', 'etas',
             'step_sizes', 'lambd', 'momentum_decay')


def _type_keys(group: dict) -> List[str]:
    return [key for key in TYPE_KEYS if key in group]


def _groups(sizes: List[int]) -> str:
    """``'2 parameter groups ([10, 3] tensors)'``, long lists summed."""
    shown = (f'{sizes} tensors'
             if len(sizes) <= 4 else f'{sum(sizes)} tensors in all')
    plural = 's' if len(sizes) != 1 else ''
    return f'{len(sizes)} parameter group{plural} ({shown})'


def _group_misfit(saved: dict, optimizer: torch.optim.Optimizer
                  ) -> Optional[str]:
    saved_groups = saved.get('param_groups')
    if not isinstance(saved_groups, list):
        return 'the file holds no parameter groups'
    groups, state = optimizer.param_groups, saved.get('state', {})
    saved_sizes = [len(group['params']) for group in saved_groups]
    sizes = [len(group['params']) for group in groups]
    if saved_sizes != sizes:
        return (f'{_groups(saved_sizes)} in the file, {_groups(sizes)} in '
                'this run')
    for index, (saved_group, group) in enumerate(zip(saved_groups, groups)):
        if _type_keys(saved_group) != _type_keys(group):
            return (f'parameter group {index} has {_type_keys(saved_group)} '
                    f'in the file and {_type_keys(group)} here, so it was '
                    f'saved by another optimizer type than '
                    f'{type(optimizer).__name__}')
        for saved_id, param in zip(saved_group['params'], group['params']):
            for name, value in state.get(saved_id, {}).items():
                if (torch.is_tensor(value) and value.dim() > 0
                        and value.shape != param.shape):
                    return (f'state {name!r} of tensor {saved_id} (group '
                            f'{index}) is {tuple(value.shape)} in the file, '
                            f'and its parameter is {tuple(param.shape)}')
    return None


def optimizer_misfit(saved, optim_wrapper) -> Optional[str]:
    """What of ``saved`` does not fit ``optim_wrapper``, or None.

    Args:
        saved (dict): ``checkpoint['optimizer']``: an optimizer's state
            dict, or one per name for an ``OptimWrapperDict``.
        optim_wrapper: The run's built ``OptimWrapper`` or
            ``OptimWrapperDict``.

    Returns:
        str or None: The first difference, said as a clause.
    """
    if not isinstance(saved, dict):
        return f'the file holds a {type(saved).__name__}, not a state dict'
    wrappers = getattr(optim_wrapper, 'optim_wrappers', None)
    if wrappers is None:
        return _group_misfit(saved, optim_wrapper.optimizer)
    if set(saved) != set(wrappers):
        return (f'optimizers {sorted(saved)} in the file, {sorted(wrappers)} '
                'in this run')
    for name, wrapper in wrappers.items():
        misfit = optimizer_misfit(saved[name], wrapper)
        if misfit:
            return f'optimizer {name!r}: {misfit}'
    return None
