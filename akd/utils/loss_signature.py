"""The arguments a distillation loss takes."""
import inspect

from torch import nn


def loss_signature(loss: nn.Module) -> inspect.Signature:
    """``loss.forward``'s signature, or the one a wrapper advertises as
    ``forward_signature`` (``AvatarKDLoss``: the wrapped loss's).
    ``loss_forward_mappings`` are checked against it."""
    advertised = getattr(loss, 'forward_signature', None)
    return advertised or inspect.signature(loss.forward)
