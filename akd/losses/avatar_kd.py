"""Avatar Knowledge Distillation: a self-ensemble of one teacher.

Zhang et al., "Avatar Knowledge Distillation: Self-ensemble Teacher Paradigm
with Uncertainty", ACM MM 2023. https://arxiv.org/abs/2305.02722
Official code (MMRazor 0.x, read, not copied):
https://github.com/Gumpest/AvatarKD
"""
import inspect
import logging
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import MessageHub, print_log
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..structures.levels import loss_of_level, paired_levels
from ..structures.per_teacher import PerTeacher
from ..utils.loss_signature import loss_signature
from ..utils.mmrazor_scope import build_in_mmrazor_scope
from .utils.avatar_ensembles import avatar_ensemble_loss
from .utils.avatar_uncertainty import (avatar_uncertainty, channel_stats,
                                       standardize, standardize_avatars,
                                       uncertainty_weights)
from .utils.loss_args import check_non_negative

WEIGHTINGS = ('uniform', 'variance')
# The single setting that named both, and what each value means.
UNCERTAINTY_MODES = {
    'bn': dict(standardize=True, weighting='uniform'),
    'variance': dict(standardize=False, weighting='variance'),
    None: dict(standardize=False, weighting='uniform'),
}
_UNSET = object()


def _level_inputs(inputs: Dict, level: int, num_levels: int,
                  whole: Sequence[str] = ()) -> Dict:
    """The further inputs of one level: sequences of one tensor per level
    (per-anchor labels) are indexed, unless the base loss names them in
    ``whole_inputs`` (it reads every level, e.g. to count positives);
    anything else (data samples) is passed whole."""
    return {
        key: value[level] if key not in whole
        and isinstance(value, (list, tuple)) and len(value) == num_levels
        and all(isinstance(v, Tensor) for v in value) else value
        for key, value in inputs.items()
    }


@MODELS.register_module()
class AvatarKDLoss(nn.Module):
    """Distil from K perturbed avatars of the teacher, weighted by uncertainty.

    Every call perturbs the detached teacher tensor T into avatars
    A_1..A_K (``perturbation``) and returns

        L = loss_weight * sum_k w_k * base_loss(f(S), f(A_k)),

    where two settings choose f and w_k:

    - ``standardize``: f = affine-free BatchNorm with the current batch's
      per-channel statistics (True), or the identity (False).
    - ``weighting``: ``'uniform'``, w_k = 1/K; or ``'variance'`` (the
      paper's uncertainty factor), w_k = softmax_k(-u_k / mean_j u_j), u_k
      the variance of avatar k's per-channel mean and std around the
      teacher's (see ``avatar_uncertainty``).

    With K=1, ``AvatarDropout(p=0.1)``, ``standardize=True`` and uniform
    weights this is the original code's AKD-MGD/MasKD loss,
    base_loss(BN(S), BN(dropout(T))).

    The former single setting ``uncertainty`` is still read: ``'bn'`` is
    ``standardize=True, weighting='uniform'``, ``'variance'`` is
    ``standardize=False, weighting='variance'`` and None is
    ``standardize=False, weighting='uniform'``; the mapping is logged.

    The K avatars cost one batched pass for CWD, KLDivergence, MGD and DIST
    (``avatar_ensembles``). Tuples of tensors (FPN levels) are distilled
    level by level and the losses summed, so one entry covers a whole neck;
    a further input given per level (a sequence as long as the levels, such
    as per-anchor labels) is split with them unless the base loss lists it
    in ``whole_inputs``, and a ``PerLevelLoss`` (MasKD) distils each level
    with its own loss. Several teachers' tensors (a
    ``PerTeacher`` list, as ``EnsembleOutputs`` records for ``CAMKDLoss``)
    give ensemble avatars: avatar k holds every teacher's k-th avatar, with
    u_k the mean of their uncertainties.

    ``forward`` takes the base loss's arguments: its first is the student
    tensor, its second the teacher's, and ``loss_forward_mappings`` written
    for the base loss work unchanged (``forward_signature``, which the
    distiller's checks read, is the base loss's). The logged statistics
    ``distill.<log_name>_uncertainty`` (mean u_k) and
    ``distill.<log_name>_weight_spread`` (max_k w_k - min_k w_k) are
    averaged over levels; their keys contain no "loss", so they are not
    optimised.

    Args:
        base_loss (dict): Config of any registered distillation loss.
        num_avatars (int): Avatars per iteration, K. Defaults to 1.
        perturbation (dict): Config of the avatar perturbation.
            Defaults to ``dict(type='AvatarDropout', p=0.1)``.
        standardize (bool): Batch-standardise the student's map and the
            avatars per channel. Defaults to True.
        weighting (str): ``'uniform'`` or ``'variance'``. Defaults to
            ``'uniform'``.
        uncertainty (str | None): The former setting for both:
            ``'bn'``, ``'variance'`` or None, mapped as above; give it or
            ``standardize``/``weighting``, not both.
        loss_weight (float): Scale of the loss. Defaults to 1.0.
        log_name (str): Prefix of the logged statistics; give each AKD
            loss of a config its own. Defaults to ``'akd'``.
        one_pass (bool): Sum the K avatars in the base loss's one-pass form
            where it has one (``has_batched_form``); False calls the base
            loss once per avatar, the reference the forms are tested
            against, in the same value and gradient at up to K times the
            time and memory. Defaults to True.

    Example:
        >>> import torch
        >>> from akd.losses import AvatarKDLoss
        >>> loss = AvatarKDLoss(
        ...     base_loss=dict(type='ChannelWiseDivergence', tau=1.0),
        ...     num_avatars=4, standardize=False, weighting='variance')
        >>> student, teacher = torch.randn(2, 8, 5, 6), torch.randn(2, 8, 5, 6)
        >>> loss(student, teacher).shape
        torch.Size([])
    """

    def __init__(self,
                 base_loss: dict,
                 num_avatars: int = 1,
                 perturbation: Optional[dict] = None,
                 standardize: Optional[bool] = None,
                 weighting: Optional[str] = None,
                 uncertainty=_UNSET,
                 loss_weight: float = 1.0,
                 log_name: str = 'akd',
                 one_pass: bool = True):
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_avatars, int) or num_avatars < 1:
            raise ValueError(
                f'{name}.num_avatars must be an integer >= 1, got '
                f'{num_avatars!r}')
        standardize, weighting = self._settings(standardize, weighting,
                                                uncertainty)
        self.base_loss = build_in_mmrazor_scope(base_loss)
        self.perturbation = build_in_mmrazor_scope(
            perturbation or dict(type='AvatarDropout', p=0.1))
        self.num_avatars = num_avatars
        self.standardize = standardize
        self.weighting = weighting
        check_non_negative(self, 'loss_weight', loss_weight)
        self.loss_weight = loss_weight
        self.log_name = log_name
        self.one_pass = one_pass
        self.forward_signature = loss_signature(self.base_loss)
        params = list(self.forward_signature.parameters.values())
        positional = (inspect.Parameter.POSITIONAL_ONLY,
                      inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if len(params) < 2 or any(p.kind not in positional
                                  for p in params[:2]):
            raise TypeError(
                f'{name}: {type(self.base_loss).__name__}.forward must take '
                f'the student and the teacher tensors as its first two '
                f'arguments, got forward{self.forward_signature}')
        self._student_key, self._teacher_key = params[0].name, params[1].name

    def _settings(self, standardize: Optional[bool], weighting: Optional[str],
                  uncertainty) -> Tuple[bool, str]:
        """``standardize`` and ``weighting``, from themselves or from the
        former ``uncertainty``."""
        name = type(self).__name__
        if uncertainty is not _UNSET:
            if uncertainty not in UNCERTAINTY_MODES:
                raise ValueError(
                    f'{name}.uncertainty={uncertainty!r} is not one of '
                    f"'bn', 'variance', None; better, give standardize="
                    "True/False and weighting='uniform'/'variance'.")
            if standardize is not None or weighting is not None:
                raise ValueError(
                    f'{name}.uncertainty={uncertainty!r} sets both '
                    'standardize and weighting: give it or them, not both.')
            mapped = UNCERTAINTY_MODES[uncertainty]
            print_log(
                f'{name}.uncertainty={uncertainty!r} is read as '
                f'standardize={mapped["standardize"]}, '
                f'weighting={mapped["weighting"]!r}; write those instead.',
                logger='current', level=logging.WARNING)
            return mapped['standardize'], mapped['weighting']
        standardize = True if standardize is None else standardize
        weighting = 'uniform' if weighting is None else weighting
        if not isinstance(standardize, bool):
            raise ValueError(f'{name}.standardize must be True or False, got '
                             f'{standardize!r}')
        if weighting not in WEIGHTINGS:
            raise ValueError(f'{name}.weighting must be one of {WEIGHTINGS}, '
                             f'got {weighting!r}')
        return standardize, weighting

    def forward(self, *args, **kwargs) -> Tensor:
        """The base loss's arguments (``forward_signature``), distilled
        from avatars of the teacher's tensor."""
        inputs = self.forward_signature.bind(*args, **kwargs).arguments
        preds_S = inputs.pop(self._student_key)
        preds_T = inputs.pop(self._teacher_key)
        if isinstance(preds_S, Sequence):
            if isinstance(preds_T, PerTeacher) and isinstance(
                    preds_T[0], Sequence):  # teachers of levels
                preds_T = [PerTeacher(t) for t in zip(*preds_T)]
            pairs = list(zip(*paired_levels(self, preds_S, preds_T)))
            whole = getattr(self.base_loss, 'whole_inputs', ())
            level_inputs = [
                _level_inputs(inputs, level, len(pairs), whole)
                for level in range(len(pairs))
            ]
        else:
            pairs, level_inputs = [(preds_S, preds_T)], [inputs]
        losses, uncertainties, spreads = [], [], []
        for level, ((student, teacher), other_inputs) in enumerate(
                zip(pairs, level_inputs)):
            base_loss = loss_of_level(self.base_loss, level, len(pairs))
            loss, uncertainty, weights = self._avatar_loss(
                base_loss, student, teacher, other_inputs)
            losses.append(loss)
            uncertainties.append(uncertainty.mean())
            spreads.append(weights.max() - weights.min())
        if self.training:
            self._log('uncertainty', uncertainties)
            self._log('weight_spread', spreads)
        return self.loss_weight * sum(losses)

    def _avatar_loss(self, base_loss: nn.Module, preds_S: Tensor,
                     preds_T: Union[Tensor, Sequence[Tensor]],
                     other_inputs: Dict) -> Tuple[Tensor, Tensor, Tensor]:
        """The weighted ``base_loss`` of one level, u_k and w_k.

        Several teachers (``PerTeacher``) make ensemble avatars: avatar k
        is every teacher's k-th avatar, and u_k the mean of their
        uncertainties.
        """
        several = isinstance(preds_T, PerTeacher)
        teachers = list(preds_T) if several else [preds_T]
        for teacher in teachers:
            self._check_shapes(preds_S, teacher)
        with torch.no_grad():
            avatars, uncertainties = zip(
                *[self.avatars(teacher.detach()) for teacher in teachers])
            uncertainty = torch.stack(uncertainties).mean(dim=0)  # (K, )
            weights = self.avatar_weights(uncertainty)
        if self.standardize:
            preds_S = standardize(preds_S)
        if not several:
            loss = avatar_ensemble_loss(base_loss, preds_S, avatars[0],
                                        weights, self.one_pass,
                                        **other_inputs)
        else:
            loss = sum(w * base_loss(
                preds_S, PerTeacher(a[:, k] for a in avatars), **other_inputs)
                       for k, w in enumerate(weights))
        return loss, uncertainty, weights

    def avatar_weights(self, uncertainty: Tensor) -> Tensor:
        """w_k of the avatars of uncertainties u_k ``(K, )``."""
        if self.weighting == 'variance':
            return uncertainty_weights(uncertainty)
        return uncertainty.new_full((self.num_avatars, ),
                                    1 / self.num_avatars)

    def avatars(self, teacher: Tensor) -> Tuple[Tensor, Tensor]:
        """K avatars ``(N, K, C, ...)`` of a detached teacher map, as the
        loss sees them (batch-standardised under ``standardize``), and u_k."""
        avatars = self.perturbation(teacher, self.num_avatars)
        if self.standardize:
            avatars, *avatar_stats = standardize_avatars(avatars)
        else:
            avatar_stats = channel_stats(avatars, channel_dim=2)
        uncertainty = avatar_uncertainty(
            channel_stats(teacher, channel_dim=1), avatar_stats)
        return avatars, uncertainty

    def _check_shapes(self, preds_S: Tensor, preds_T: Tensor) -> None:
        if preds_S.shape != preds_T.shape:
            raise ValueError(
                f'{type(self).__name__}({type(self.base_loss).__name__}): '
                f'student shape {tuple(preds_S.shape)} != teacher shape '
                f'{tuple(preds_T.shape)}. Map the student to the teacher\'s '
                'shape with a connector: add one to model.distiller.connectors'
                " (e.g. dict(type='ConvModuleConnector', in_channel=..., "
                'out_channel=..., kernel_size=1)) and name it as '
                f"connector='...' in the {self._student_key} mapping of "
                'loss_forward_mappings.')
        if preds_T.shape[0] * preds_T.shape[2:].numel() < 2:
            raise ValueError(
                f'{type(self).__name__}({type(self.base_loss).__name__}): '
                f'the teacher map {tuple(preds_T.shape)} has one value per '
                'channel, so the batch statistics of its avatars are '
                'undefined. Train with more images per GPU '
                '(train_dataloader.batch_size) or larger inputs, or leave '
                'this level out of the recorder.')

    def _log(self, statistic: str, values: Sequence[Tensor]) -> None:
        value = torch.stack(values).mean().item()
        MessageHub.get_current_instance().update_scalar(
            f'train/distill.{self.log_name}_{statistic}', value)

    def extra_repr(self) -> str:
        return (f'num_avatars={self.num_avatars}, '
                f'standardize={self.standardize}, '
                f'weighting={self.weighting!r}, '
                f'loss_weight={self.loss_weight}, log_name={self.log_name!r}'
                + ('' if self.one_pass else ', one_pass=False'))
