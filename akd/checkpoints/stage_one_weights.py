"""Loading one level of a two-stage method's stage-1 checkpoint.

MasKD's receptive tokens and FreeKD's frequency prompts are learned on the
frozen teacher first (``MasKDTokenLearning``, ``FreeKDPromptLearning``),
which save them as ``<name>.<level>.*``; the stage-2 loss loads the levels
it distils.
"""
import os.path as osp
from typing import Optional, Sequence

from mmengine.logging import print_log
from torch import nn

from .checkpoint_files import read_checkpoint

# stage-2 loss -> (its stage-1 checkpoint argument, the configs writing it)
STAGE_ONE_CHECKPOINTS = dict(
    MasKDLoss=('tokens_ckpt', 'configs/maskd/maskd-tokens_<teacher>.py'),
    FreeKDLoss=('prompts_ckpt', 'configs/freekd/freekd-prompts_<teacher>.py'))


def load_stage_one_level(module: nn.Module, checkpoint: str, prefix: str,
                         key: str, stage_one: str, settings: str) -> None:
    """Load the weights under ``prefix`` (e.g. ``'receptive_tokens.2.'``)
    of ``checkpoint`` into ``module``.

    Errors name the config ``key`` that gave ``checkpoint``, the
    ``stage_one`` configs that write it and the ``settings`` that must
    match them.
    """
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'{key}={checkpoint!r} does not exist. Run stage 1 first: '
            f'python tools/train.py {stage_one} (the config header names '
            f'it), or point {key} at its checkpoint.')
    state_dict = read_checkpoint(checkpoint, key)
    state_dict = state_dict.get('state_dict', state_dict)
    found = {
        name[name.index(prefix) + len(prefix):]: value
        for name, value in state_dict.items() if prefix in name
    }
    if not found:
        raise ValueError(
            f'{key}={checkpoint!r} has no "{prefix}*" weights. Give the '
            f'checkpoint of a stage-1 run ({stage_one}) and a level below '
            'its number of levels.')
    try:
        module.load_state_dict(found)
    except RuntimeError as error:
        raise ValueError(
            f'the weights "{prefix}*" in {key}={checkpoint!r} do not fit '
            f'{module}: set {settings} as in the stage-1 config. {error}'
        ) from error


def load_stage_one(loss: nn.Module, modules: Sequence[nn.Module],
                   checkpoint: Optional[str], first_level: int, prefix: str,
                   settings: str) -> None:
    """Load level ``first_level + i`` of ``loss``'s stage-1 ``checkpoint``
    (saved as ``<prefix><level>.*``) into ``modules[i]``.

    None leaves the modules random and logs a warning (tests only). Errors
    name the loss's checkpoint argument and ``settings``, the arguments
    that must match stage 1.
    """
    name = type(loss).__name__
    argument, stage_one = STAGE_ONE_CHECKPOINTS[name]
    key = f'{name}.{argument}'
    if checkpoint is None:
        print_log(
            f'{key} is None, so its stage-1 weights are random. Run stage 1 '
            f'first ({stage_one}) and set {argument}.',
            logger='current', level=30)
        return
    for index, module in enumerate(modules):
        load_stage_one_level(module, checkpoint,
                             f'{prefix}{first_level + index}.', key,
                             stage_one, settings)
