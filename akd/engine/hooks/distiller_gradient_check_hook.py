"""Stop when a learnable distiller part got no gradient in iteration 1."""
from typing import Dict, List, Set

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmrazor.registry import HOOKS
from torch import nn

from ...utils.guard_error import GuardError
from ...utils.rank_agreement import on_any_rank

OWN_PARTS = ('architecture.', 'teacher.')  # trained by their own task losses


@HOOKS.register_module()
class DistillerGradientCheckHook(Hook):
    """In a distillation algorithm (a model with an ``architecture``, the
    student), every trainable parameter outside the student and the teacher
    (a connector, MGD's generator, receptive tokens, FRSKD's self-teacher)
    must receive a gradient in the first iteration that runs a backward
    pass. Plain models are not checked.

    Such a part that receives none is trained by nothing: its loss is not
    mapped, is not back-propagated, or reads a detached tensor. Without this
    check the run goes on with the part at its initial values, or, under DDP
    without ``find_unused_parameters``, dies at iteration 2 with "Expected
    to have finished reduction in the prior iteration". Every rank agrees
    on the verdict.
    """

    def __init__(self) -> None:
        self.watched: Dict[str, nn.Parameter] = {}
        self.received: Set[str] = set()
        self._handles: List = []

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not isinstance(getattr(model, 'architecture', None), nn.Module):
            return
        trainable = {
            name: p
            for name, p in model.named_parameters() if p.requires_grad
        }
        self.watched = {
            name: p
            for name, p in trainable.items() if not name.startswith(OWN_PARTS)
        }
        if not self.watched:
            return
        for name, param in trainable.items():  # the student tells a backward
            self._handles.append(
                param.register_post_accumulate_grad_hook(self._mark(name)))

    def _mark(self, name: str):

        def mark(param) -> None:
            self.received.add(name)

        return mark

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not self._handles or not self.received:
            return  # nothing to watch, or no backward ran (a skipped step)
        for handle in self._handles:
            handle.remove()
        self._handles = []
        starved = [name for name in self.watched if name not in self.received]
        device = next(iter(self.watched.values())).device
        if not on_any_rank(torch.tensor(bool(starved), device=device)):
            return
        parts = sorted({'.'.join(name.split('.')[:3]) for name in starved})
        if not parts:
            raise GuardError(
                'a learnable distiller part received no gradient on another '
                f'rank in iteration {runner.iter + 1}; see its log.')
        raise GuardError(
            f'model.{parts[0]} received no gradient in iteration '
            f'{runner.iter + 1} ({len(starved)} parameters of '
            f'{", ".join(f"model.{p}" for p in parts)}): nothing it computes '
            'reaches a loss that is back-propagated, so it would never '
            'train. Map the loss that should use it in '
            'model.distiller.loss_forward_mappings (a connector: '
            "connector='<name>' in the record) and make sure that loss's "
            "key contains 'loss'; if the part is frozen on purpose, set its "
            'requires_grad to False; or remove it.')
