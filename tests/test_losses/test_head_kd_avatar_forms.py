"""The head losses' one-pass avatar forms equal one call per avatar.

For the quality focal KD, both GIoU box losses, the distribution KD and LD:
K avatars summed in one pass give, in value and gradient, the weighted sum
of one base-loss call per avatar, on dense levels whose labels hold
positives, background, anchors without label weight (-1) and an image
without positives. The quality focal KD's gradient, computed in its
forward, is checked against autograd of the loss written out.
"""
import pytest
import torch
from mmrazor.registry import MODELS

from akd.losses import AvatarKDLoss, quality_focal_kd
from akd.losses.utils.avatar_ensembles import (avatar_ensemble_loss,
                                               has_batched_form)
from dense_head_outputs import (BINS, LEVELS, head_levels,
                                labels_with_non_samples)
from tolerances import assert_close_float32

C = 5  # classes
A = 3  # anchors per position of the RetinaNet-style head
K = 3
WEIGHTS = torch.tensor([0.5, 0.2, 0.3])


def _anchors(seed=7):
    """``(2, H * W * A, 4)`` boxes per level, in mmdet's anchor order."""
    torch.manual_seed(seed)
    levels = []
    for h, w in LEVELS:
        centre = torch.rand(2, h * w * A, 2) * 64
        size = torch.rand(2, h * w * A, 2) * 16 + 4
        levels.append(torch.cat([centre - size / 2, centre + size / 2], -1))
    return tuple(levels)


def _anchor_labels():
    """Per level ``(2, H * W * A)`` labels with -1, background, positives
    and image 0 without positives."""
    torch.manual_seed(11)
    levels = []
    for h, w in LEVELS:
        y = torch.randint(0, C, (2, h * w * A))
        y[torch.rand(y.shape) < 0.6] = C
        y[0] = C
        y[torch.rand(y.shape) < 0.2] = -1
        levels.append(y)
    return tuple(levels)


def _cases():
    """name -> (loss config, student levels, teacher levels, inputs)."""
    gfl_labels = labels_with_non_samples(C)
    anchor_labels = _anchor_labels()
    cls_S, cls_T = head_levels(C, 2), head_levels(C, 3, 3.0)
    box_S, box_T = head_levels(4 * BINS, 4), head_levels(4 * BINS, 5, 2.0)
    torch.manual_seed(13)
    vlr = tuple(torch.rand(2, h * w) * (torch.rand(2, h * w) < 0.5)
                for h, w in LEVELS)
    return {
        'quality focal KD (GFL)': (
            dict(type='QualityFocalKDLoss'), cls_S, cls_T,
            dict(labels=gfl_labels, all_labels=gfl_labels)),
        'quality focal KD (anchors, beta 2)': (
            dict(type='QualityFocalKDLoss', beta=2.0, num_classes=C),
            head_levels(A * C, 6), head_levels(A * C, 7, 3.0),
            dict(labels=anchor_labels, all_labels=anchor_labels)),
        'GIoU KD (GFL)': (
            dict(type='BoxIoUKDLoss'), box_S, box_T,
            dict(cls_score_S=cls_S, cls_score_T=cls_T, labels=gfl_labels,
                 all_labels=gfl_labels)),
        'GIoU KD (anchors)': (
            dict(type='AnchorBoxIoUKDLoss', num_classes=C),
            head_levels(A * 4, 8, 0.5), head_levels(A * 4, 9, 0.5),
            dict(cls_score_T=head_levels(A * C, 10), anchors=_anchors(),
                 labels=anchor_labels, all_labels=anchor_labels)),
        'distribution KD': (
            dict(type='DistributionKDLoss', tau=2.0), box_S, box_T,
            dict(cls_score_T=cls_T, all_cls_score_T=cls_T, labels=gfl_labels,
                 all_labels=gfl_labels)),
        'LD': (
            dict(type='LDLoss', tau=10.0, vlr_weight=0.5), box_S, box_T,
            dict(cls_score_S=cls_S, labels=gfl_labels, vlr_weights=vlr)),
    }


CASES = _cases()
WHOLE = ('all_labels', 'all_cls_score_T')


def _level(inputs, level):
    """One level's inputs, as AvatarKDLoss splits them."""
    return {
        key: value if key in WHOLE else value[level]
        for key, value in inputs.items()
    }


def _build(cfg):
    """A loss of MMRazor's registry, whatever the default scope."""
    return MODELS.build({'_scope_': 'mmrazor', **cfg})


def _avatars(teacher, seed):
    torch.manual_seed(seed)
    return teacher.unsqueeze(1) + 0.3 * torch.randn(
        teacher.shape[0], K, *teacher.shape[1:])


@pytest.mark.parametrize('name', list(CASES))
def test_one_pass_equals_one_call_per_avatar(name):
    _one_pass_equals_one_call_per_avatar(name)


def test_quality_focal_kd_in_blocks_of_a_few_anchor_rows(monkeypatch):
    """Blocks of 4 anchor rows (5 classes x 30 positions each) on the
    6 x 5 level: of its 2 images x 3 anchors, a full block and a part one;
    the 3 x 3 level in one block."""
    monkeypatch.setattr(quality_focal_kd, 'CPU_BLOCK', 4 * C * 30)
    _one_pass_equals_one_call_per_avatar(
        'quality focal KD (anchors, beta 2)')


def _one_pass_equals_one_call_per_avatar(name):
    cfg, levels_S, levels_T, inputs = CASES[name]
    loss = _build(cfg)
    assert has_batched_form(loss)
    for level, (s, t) in enumerate(zip(levels_S, levels_T)):
        student = s.clone().requires_grad_()
        avatars = _avatars(t, seed=level)
        level_inputs = _level(inputs, level)
        one_pass = avatar_ensemble_loss(loss, student, avatars, WEIGHTS,
                                        **level_inputs)
        grad_one_pass, = torch.autograd.grad(one_pass, student)
        loop = sum(w * loss(student, avatars[:, k], **level_inputs)
                   for k, w in enumerate(WEIGHTS))
        grad_loop, = torch.autograd.grad(loop, student)
        assert one_pass > 0
        assert_close_float32(one_pass, loop)
        assert_close_float32(grad_one_pass, grad_loop)
        # the one-pass form is not a call per avatar in disguise
        off = avatar_ensemble_loss(loss, student, avatars, WEIGHTS,
                                   one_pass=False, **level_inputs)
        assert_close_float32(off, loop)


@pytest.mark.parametrize('levels', ['tuple', 'map'])
@pytest.mark.parametrize('name', list(CASES))
def test_wrapped_with_perturbation_off_equals_the_base_loss(name, levels):
    """Value and gradient, on a tuple of levels and on one map."""
    cfg, levels_S, levels_T, inputs = CASES[name]
    if levels == 'map':
        levels_S, levels_T = levels_S[:1], levels_T[0]
        inputs = _level(inputs, 0)
    wrapped = AvatarKDLoss(
        base_loss=cfg, num_avatars=K, standardize=False, weighting='uniform',
        perturbation=dict(type='AvatarGaussianNoise', sigma=0.0))
    results = [
        _value_and_grads(
            lambda students: loss(students, levels_T, **inputs), levels_S,
            as_map=levels == 'map')
        for loss in (wrapped, wrapped.base_loss)
    ]
    _assert_same(*results)


def test_wrapped_one_pass_equals_the_wrapper_calling_per_avatar():
    """The whole wrapper, noisy avatars, uncertainty weights, FPN levels."""
    for name, (cfg, levels_S, levels_T, inputs) in CASES.items():
        results = []
        for one_pass in (True, False):
            wrapped = AvatarKDLoss(
                base_loss=cfg, num_avatars=K, standardize=False,
                weighting='variance',
                perturbation=dict(type='AvatarGaussianNoise', sigma=0.2),
                one_pass=one_pass)
            torch.manual_seed(0)
            results.append(_value_and_grads(
                lambda students: wrapped(students, levels_T, **inputs),
                levels_S))
        _assert_same(*results)


def _value_and_grads(call, levels, as_map=False):
    """``call``'s value on fresh leaves of ``levels`` (the first alone with
    ``as_map``), and its gradient on each."""
    students = tuple(x.clone().requires_grad_() for x in levels)
    value = call(students[0] if as_map else students)
    return value, torch.autograd.grad(value, students)


def _assert_same(result, expected):
    (value, grads), (expected_value, expected_grads) = result, expected
    assert_close_float32(value, expected_value)
    for grad, expected_grad in zip(grads, expected_grads):
        assert_close_float32(grad, expected_grad)


def _written_out_quality_focal_kd(S, T, labels, beta, num_classes):
    """sum over samples of BCE(s, t) |t - s|^beta / N_pos by autograd, BCE
    from its logarithms, the anchor of each channel found by a loop."""
    total = 0
    for s, t, y in zip(S, T, labels):
        N, channels, H, W = s.shape
        anchors = channels // num_classes
        mask = torch.zeros(N, channels, H, W, dtype=s.dtype)
        for n in range(N):
            for i in range(H * W * anchors):
                position, anchor = divmod(i, anchors)
                if y[n, i] >= 0:
                    row, col = divmod(position, W)
                    mask[n, anchor * num_classes:(anchor + 1) * num_classes,
                         row, col] = 1
        p, q = s.sigmoid(), t.sigmoid()
        bce = -(q * torch.log(p) + (1 - q) * torch.log1p(-p))
        total = total + torch.einsum('nchw,nchw->', bce * (q - p).abs()**beta,
                                     mask)
    positives = sum(
        max(sum(int(((x[n] >= 0) & (x[n] < num_classes)).sum())
                for x in labels), 1) for n in range(labels[0].shape[0]))
    return total / positives


@pytest.mark.parametrize('block', ['default', 'one anchor row'])
@pytest.mark.parametrize('beta', [1.0, 2.0, 0.5])
def test_quality_focal_kd_gradient_is_autograds_of_the_written_loss(
        beta, block, monkeypatch):
    """Also with every anchor row of a level its own block on CPU."""
    if block != 'default':
        monkeypatch.setattr(quality_focal_kd, 'CPU_BLOCK', 1)
    S = tuple(x.double().requires_grad_() for x in head_levels(A * C, 6))
    T = tuple(x.double() for x in head_levels(A * C, 7, 3.0))
    labels = _anchor_labels()
    loss = _build(dict(type='QualityFocalKDLoss', beta=beta, num_classes=C))
    value = loss(S, T, labels)
    grads = torch.autograd.grad(value, S)
    expected = _written_out_quality_focal_kd(S, T, labels, beta, C)
    expected_grads = torch.autograd.grad(expected, S)
    torch.testing.assert_close(value, expected, rtol=1e-9, atol=0)
    for grad, expected_grad in zip(grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad, rtol=1e-9,
                                   atol=1e-12)
    assert all(grad[:, :C].abs().sum() > 0 for grad in grads)


def test_quality_focal_kd_keeps_half_precision_gradients():
    S = head_levels(C, 2)[0].bfloat16().requires_grad_()
    T = head_levels(C, 3)[0].bfloat16()
    labels = labels_with_non_samples(C)[0]
    loss = _build(dict(type='QualityFocalKDLoss'))
    value = loss(S, T, labels)
    value.backward()
    assert S.grad.dtype == torch.bfloat16
    full = loss(S.float(), T.float(), labels)
    torch.testing.assert_close(value, full, rtol=0.02, atol=0)
