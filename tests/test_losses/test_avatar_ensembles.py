"""The batched avatar ensembles equal one base-loss call per avatar."""
import pytest
import torch
from mmrazor.registry import MODELS

import akd  # noqa: F401
from akd.losses.utils import avatar_ensembles
from akd.losses.utils.avatar_ensembles import (avatar_ensemble_loss,
                                               avatar_form, has_batched_form)
from tolerances import assert_close_float32

BASE_LOSSES = [
    dict(type='ChannelWiseDivergence', tau=2.0, loss_weight=3.0),
    dict(type='KLDivergence', tau=2.0, reduction='batchmean'),
    dict(type='KLDivergence', tau=1.0, reduction='sum'),
    dict(type='KLDivergence', tau=1.0, reduction='mean'),
    dict(type='MGDLoss', alpha_mgd=0.5),
    dict(type='PKDLoss', loss_weight=3.0),
    dict(type='DISTLoss', tau=2.0, inter_loss_weight=0.5,
         intra_loss_weight=2.0, loss_weight=1.5),
]


def per_avatar_loop(base_loss, student, avatars, weights):
    total = 0
    for k in range(avatars.shape[1]):
        total = total + weights[k] * base_loss(student,
                                               avatars[:, k].contiguous())
    return total


MAPS_ONLY = ('ChannelWiseDivergence', 'MGDLoss', 'PKDLoss')
CASES = [(cfg, shape) for cfg in BASE_LOSSES
         for shape in [(3, 5, 4, 6), (6, 7)]
         if len(shape) == 4 or cfg['type'] not in MAPS_ONLY]


@pytest.mark.parametrize('cfg,shape', CASES, ids=str)
def test_batched_ensemble_matches_loop_over_avatars(cfg, shape):
    base_loss = MODELS.build({'_scope_': 'mmrazor', **cfg})
    assert has_batched_form(base_loss)
    torch.manual_seed(0)
    N, *rest = shape
    student = torch.randn(shape, requires_grad=True)
    avatars = torch.randn(N, 3, *rest)  # (N, K, C, ...)
    weights = torch.tensor([0.5, 0.3, 0.2])
    batched = avatar_ensemble_loss(base_loss, student, avatars, weights)
    grad_batched, = torch.autograd.grad(batched, student)
    loop = per_avatar_loop(base_loss, student, avatars, weights)
    grad_loop, = torch.autograd.grad(loop, student)
    assert_close_float32(batched, loop)
    assert_close_float32(grad_batched, grad_loop)


def test_kl_ensemble_keeps_pointwise_loss_without_reduction():
    base_loss = MODELS.build(
        dict(_scope_='mmrazor', type='KLDivergence', reduction='none'))
    student, avatars = torch.randn(2, 4, 3, 3), torch.randn(2, 2, 4, 3, 3)
    weights = torch.tensor([0.25, 0.75])
    torch.testing.assert_close(
        avatar_ensemble_loss(base_loss, student, avatars, weights),
        per_avatar_loop(base_loss, student, avatars, weights))


def test_unknown_loss_falls_back_to_one_call_per_avatar():
    calls = []

    class Recorded(torch.nn.Module):

        def forward(self, preds_S, preds_T):
            calls.append(preds_T)
            return (preds_S - preds_T).abs().sum()

    base_loss = Recorded()
    assert not has_batched_form(base_loss)
    avatars = torch.randn(2, 4, 3, 5, 5)
    avatar_ensemble_loss(base_loss, torch.randn(2, 3, 5, 5), avatars,
                         torch.full((4, ), 0.25))
    assert len(calls) == 4
    assert all(torch.equal(c, avatars[:, k]) for k, c in enumerate(calls))


def test_a_registered_form_is_used_as_is_and_by_subclasses(monkeypatch):
    monkeypatch.setattr(avatar_ensembles, 'AVATAR_FORMS',
                        dict(avatar_ensembles.AVATAR_FORMS))

    class OwnBatchedForm(torch.nn.Module):

        def forward(self, preds_S, preds_T):
            raise AssertionError('the registered form must be used instead')

    class Subclass(OwnBatchedForm):
        pass

    @avatar_form(OwnBatchedForm)
    def own_form(loss, preds_S, avatars, weights):
        return (weights * avatars.mean(dim=(0, 2, 3, 4))).sum()

    assert has_batched_form(Subclass())
    base_loss = OwnBatchedForm()
    assert has_batched_form(base_loss)
    avatars = torch.randn(2, 3, 4, 5, 5)
    weights = torch.tensor([0.2, 0.3, 0.5])
    torch.testing.assert_close(
        avatar_ensemble_loss(base_loss, torch.randn(2, 4, 5, 5), avatars,
                             weights),
        (weights * avatars.mean(dim=(0, 2, 3, 4))).sum())


@pytest.mark.parametrize('cfg', BASE_LOSSES, ids=str)
def test_half_precision_maps_give_the_float32_value(cfg):
    """Under AMP the recorded maps are half precision, the weights not."""
    base_loss = MODELS.build({'_scope_': 'mmrazor', **cfg})
    torch.manual_seed(0)
    student, avatars = torch.randn(3, 5, 4, 6), torch.randn(3, 2, 5, 4, 6)
    weights = torch.tensor([0.3, 0.7])
    full = avatar_ensemble_loss(base_loss, student, avatars, weights)
    half = avatar_ensemble_loss(base_loss, student.bfloat16(),
                                avatars.bfloat16(), weights)
    torch.testing.assert_close(half.float(), full, rtol=0.05, atol=0.05)
