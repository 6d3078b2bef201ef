"""One optimizer per trainable peer of an online distillation."""
import copy

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn


def merged(base: dict, override: dict) -> dict:
    """``base`` with ``override``'s keys replaced, nested dicts merged."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class PeerOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` with one wrapper per trainable peer.

    The config is an ordinary ``optim_wrapper`` (``type``, ``optimizer``,
    ``clip_grad``, ``paramwise_cfg``, ...), which every peer gets, plus
    ``peers=dict(<name>=<overrides>)`` merged into a peer's copy, e.g.
    ``peers=dict(teacher=dict(optimizer=dict(lr=1e-3)))``. Param
    schedulers given as a list apply to every peer's optimizer.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None) -> None:
        self.template = dict(optim_wrapper_cfg)
        self.overrides = self.template.pop('peers', None) or {}
        self.paramwise_cfg = paramwise_cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = getattr(model, 'module', model)  # a DDP wrapper's model
        peers = getattr(model, 'trainable_peers', None)
        if peers is None:
            raise TypeError(
                "optim_wrapper.constructor='PeerOptimWrapperConstructor' "
                'builds one optimizer per peer of OnlineDistill, but the '
                f'model is a {type(model).__name__}; drop the constructor.')
        unknown = sorted(set(self.overrides) - set(peers))
        if unknown:
            raise ValueError(
                f'optim_wrapper.peers names {unknown}, which are not '
                f'trainable peers {peers}.')
        wrappers = {}
        for name in peers:
            cfg = merged(self.template, self.overrides.get(name, {}))
            paramwise = cfg.pop('paramwise_cfg', self.paramwise_cfg)
            wrappers[name] = DefaultOptimWrapperConstructor(
                cfg, paramwise)(getattr(model, name))
        return OptimWrapperDict(**wrappers)
