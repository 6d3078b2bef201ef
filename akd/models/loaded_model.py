"""A model of a config, with a checkpoint's weights checked to fit."""
from torch import nn

from ..checkpoints.checkpoint_files import read_checkpoint
from ..checkpoints.checkpoint_fit import load_teacher
from ..utils.mmrazor_scope import build_in_mmrazor_scope


def build_loaded(model: dict, ckpt, key: str) -> nn.Module:
    """The model of ``model``'s config, with the weights of ``ckpt`` if
    given (checked to fit, errors naming ``<key>.ckpt``), kept through
    ``init_weights``."""
    built = build_in_mmrazor_scope(model)
    if ckpt:
        load_teacher(built, read_checkpoint(ckpt, f'{key}.ckpt'),
                     f'{key}.ckpt', ckpt, f'{key}.model')
        built._is_init = True  # keep the loaded weights
    return built
