import doctest
import inspect
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmrazor.registry import MODELS

import akd.losses.avatar_kd
from akd.losses import AvatarKDLoss
from akd.utils.loss_signature import loss_signature

CWD = dict(type='ChannelWiseDivergence', tau=1.0)
MGD = dict(type='MGDLoss', alpha_mgd=1.0)


def reference_bn(x):
    """Affine-free batch standardisation per channel, written out."""
    dims = [d for d in range(x.dim()) if d != 1]
    mean = x.mean(dim=dims, keepdim=True)
    var = ((x - mean)**2).mean(dim=dims, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5)


def reference_weights(teacher, avatars):
    """w_k from u_k = 1/(2C) sum_c |d_kc|^2, with loops over avatars."""
    N, K, C = avatars.shape[:3]

    def stats(x):  # (N, C, ...) -> per-channel mean and std
        flat = x.transpose(0, 1).reshape(C, -1)
        return flat.mean(1), flat.std(1)
    mean_T, std_T = stats(teacher)
    u = []
    for k in range(K):
        mean_k, std_k = stats(avatars[:, k])
        d = torch.cat([(mean_k - mean_T) / (std_T + 1e-5),
                       (std_k - std_T) / (std_T + 1e-5)])
        u.append((d**2).sum() / (2 * C))
    u = torch.stack(u)
    scores = [math.exp(-float(u_k) / (float(u.mean()) + 1e-5)) for u_k in u]
    return torch.tensor([s / sum(scores) for s in scores])


def draw_avatars(loss, teacher, seed):
    torch.manual_seed(seed)
    return loss.perturbation(teacher, loss.num_avatars)


@pytest.mark.parametrize('weighting', ['uniform', 'variance'])
@pytest.mark.parametrize('standardize', [True, False])
@pytest.mark.parametrize('base', [CWD, MGD], ids=['cwd', 'mgd'])
def test_matches_reference_equation(base, standardize, weighting):
    torch.manual_seed(0)
    student, teacher = torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6)
    loss = AvatarKDLoss(base_loss=base, num_avatars=3,
                        standardize=standardize, weighting=weighting,
                        loss_weight=2.0)
    avatars = draw_avatars(loss, teacher, seed=1)
    base_loss = MODELS.build({'_scope_': 'mmrazor', **base})
    f = reference_bn if standardize else (lambda x: x)
    # u_k compares the avatars as drawn with the teacher, standardised or not
    weights = (reference_weights(teacher, avatars) if weighting == 'variance'
               else torch.full((3, ), 1 / 3))
    expected = 2.0 * sum(weights[k] * base_loss(
        f(student), f(avatars[:, k].contiguous())) for k in range(3))
    torch.manual_seed(1)
    torch.testing.assert_close(loss(student, teacher), expected,
                               rtol=1e-4, atol=1e-5)


def test_gradients_reach_student_only_and_teacher_is_unchanged():
    student = torch.randn(2, 4, 5, 6, requires_grad=True)
    teacher = torch.randn(2, 4, 5, 6, requires_grad=True)
    before = teacher.detach().clone()
    for standardize, weighting in ((True, 'uniform'), (False, 'variance'),
                                   (False, 'uniform'), (True, 'variance')):
        AvatarKDLoss(base_loss=CWD, num_avatars=4, standardize=standardize,
                     weighting=weighting)(student, teacher).backward()
        assert teacher.grad is None
        assert torch.equal(teacher, before)
        assert student.grad.abs().sum() > 0
        student.grad = None


def test_same_seed_gives_same_loss():
    student, teacher = torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6)
    loss = AvatarKDLoss(base_loss=CWD, num_avatars=4, standardize=False,
                        weighting='variance')
    values = []
    for seed in (7, 7, 8):
        torch.manual_seed(seed)
        values.append(loss(student, teacher))
    assert torch.equal(values[0], values[1])
    assert not torch.equal(values[0], values[2])


def variance_weights(loss, teacher):
    from akd.losses.utils.avatar_uncertainty import (avatar_uncertainty,
                                                     channel_stats,
                                                     uncertainty_weights)
    avatars = loss.perturbation(teacher, loss.num_avatars)
    return uncertainty_weights(
        avatar_uncertainty(
            channel_stats(teacher, 1), channel_stats(avatars, 2)))


def test_weights_sum_to_one_and_are_equal_when_avatars_agree():
    torch.manual_seed(0)
    teacher = torch.randn(2, 8, 6, 6)
    perturbed = AvatarKDLoss(base_loss=CWD, num_avatars=5,
                             standardize=False, weighting='variance')
    weights = variance_weights(perturbed, teacher)
    torch.testing.assert_close(weights.sum(), torch.tensor(1.0))
    assert weights.max() - weights.min() > 1e-3
    identical = AvatarKDLoss(
        base_loss=CWD, num_avatars=5, standardize=False, weighting='variance',
        perturbation=dict(type='AvatarDropout', p=0.0))
    torch.testing.assert_close(
        variance_weights(identical, teacher), torch.full((5, ), 0.2))


def test_weights_shrink_the_most_deviating_avatar():
    from akd.losses.utils.avatar_uncertainty import uncertainty_weights
    weights = uncertainty_weights(torch.tensor([0.1, 0.1, 0.5]))
    assert weights[2] < weights[0] == weights[1]


def test_one_bn_avatar_has_the_original_expectation():
    """E[ours] = E[MGD(BN(S), BN(F.dropout(T, 0.1)))], the original AKD-MGD."""
    torch.manual_seed(0)
    student, teacher = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    mgd = MODELS.build({'_scope_': 'mmrazor', **MGD})
    # eval mode: the same loss, without logging its statistics 9000 times
    ours = AvatarKDLoss(base_loss=MGD, num_avatars=1).eval()
    draws = 4000
    original = torch.stack([
        mgd(F.batch_norm(student, None, None, training=True),
            F.batch_norm(F.dropout(teacher, 0.1), None, None, training=True))
        for _ in range(draws)
    ])
    akd = torch.stack([ours(student, teacher) for _ in range(draws)])
    stderr = math.sqrt((original.var() + akd.var()) / draws)
    assert abs(original.mean() - akd.mean()) < 4 * stderr
    # K avatars share each avatar's distribution: same expectation
    four = AvatarKDLoss(base_loss=MGD, num_avatars=4).eval()
    akd4 = torch.stack([four(student, teacher) for _ in range(draws // 4)])
    stderr4 = math.sqrt(akd.var() / draws + akd4.var() / (draws // 4))
    assert abs(akd4.mean() - akd.mean()) < 4 * stderr4


def test_fpn_tuple_is_the_sum_of_its_levels():
    shapes = [(2, 4, 16 // 2**i, 20 // 2**i) for i in range(5)]
    students = tuple(torch.randn(s) for s in shapes)
    teachers = tuple(torch.randn(s) for s in shapes)
    loss = AvatarKDLoss(base_loss=CWD, num_avatars=2, standardize=False,
                        weighting='variance')
    torch.manual_seed(0)
    whole = loss(students, teachers)
    torch.manual_seed(0)
    levels = sum(loss(s, t) for s, t in zip(students, teachers))
    torch.testing.assert_close(whole, levels)


def test_rejects_level_count_mismatch():
    with pytest.raises(ValueError, match='5 tensors .* teacher gave 4'):
        AvatarKDLoss(base_loss=CWD)([torch.randn(1, 2, 3, 3)] * 5,
                                    [torch.randn(1, 2, 3, 3)] * 4)


def test_rejects_shape_mismatch_naming_connector():
    loss = AvatarKDLoss(base_loss=CWD)
    with pytest.raises(ValueError) as error:
        loss(torch.randn(2, 128, 8, 8), torch.randn(2, 256, 8, 8))
    message = str(error.value)
    for part in ('AvatarKDLoss(ChannelWiseDivergence)', '(2, 128, 8, 8)',
                 '(2, 256, 8, 8)', 'model.distiller.connectors',
                 'ConvModuleConnector'):
        assert part in message


@pytest.mark.parametrize('standardize', [True, False])
def test_one_value_per_channel_names_the_batch_size(standardize):
    loss = AvatarKDLoss(base_loss=CWD, standardize=standardize,
                        weighting='variance')
    levels = [torch.randn(1, 4, 2, 2), torch.randn(1, 4, 1, 1)]  # FPN top
    with pytest.raises(ValueError) as error:
        loss(levels, [x.clone() for x in levels])
    assert ('AvatarKDLoss(ChannelWiseDivergence): the teacher map '
            '(1, 4, 1, 1) has one value per channel') in str(error.value)
    assert 'train_dataloader.batch_size' in str(error.value)


@pytest.mark.parametrize('cfg,match', [
    (dict(num_avatars=0), 'AvatarKDLoss.num_avatars must be an integer >= 1'),
    (dict(uncertainty='std'), r"AvatarKDLoss.uncertainty='std' is not one "
     r"of 'bn', 'variance', None"),
    (dict(uncertainty='bn', weighting='variance'),
     "uncertainty='bn' sets both standardize and weighting"),
    (dict(standardize='yes'), 'AvatarKDLoss.standardize must be True or'),
    (dict(weighting='std'), 'AvatarKDLoss.weighting must be one of'),
])
def test_rejects_bad_arguments(cfg, match):
    with pytest.raises(ValueError, match=match):
        AvatarKDLoss(base_loss=CWD, **cfg)


def test_forward_takes_the_base_loss_arguments():
    for base in (CWD, dict(type='DISTLoss')):
        loss = AvatarKDLoss(base_loss=base)
        assert loss_signature(loss) == inspect.signature(
            loss.base_loss.forward)
    with pytest.raises(TypeError, match='logits_S'):
        loss.forward(preds_S=torch.randn(2, 3), preds_T=torch.randn(2, 3))
    nested = AvatarKDLoss(base_loss=dict(type='AvatarKDLoss', base_loss=CWD))
    assert loss_signature(nested) == inspect.signature(
        nested.base_loss.base_loss.forward)


def test_each_argument_changes_the_result():
    student, teacher = torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6)

    def value(**cfg):
        torch.manual_seed(0)
        return AvatarKDLoss(**{'base_loss': CWD, **cfg})(student, teacher)

    default = value()
    assert not torch.equal(default, value(num_avatars=3))
    assert not torch.equal(default, value(standardize=False,
                                          weighting='uniform'))
    assert not torch.equal(value(standardize=False,
                                 weighting='uniform', num_avatars=3),
                           value(standardize=False,
                                 weighting='variance', num_avatars=3))
    assert not torch.equal(
        default, value(perturbation=dict(type='AvatarChannelDropout')))
    assert not torch.equal(default, value(base_loss=dict(
        type='ChannelWiseDivergence', tau=4.0)))
    torch.testing.assert_close(value(loss_weight=3.0), 3 * default)


def test_logs_statistics_without_loss_in_their_keys():
    loss = AvatarKDLoss(base_loss=CWD, num_avatars=4, standardize=False,
                        weighting='variance',
                        log_name='akd_logging_test')
    hub = MessageHub.get_current_instance()
    loss.train()
    loss(torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6))
    keys = [k for k in hub.log_scalars if 'akd_logging_test' in k]
    assert keys == ['train/distill.akd_logging_test_uncertainty',
                    'train/distill.akd_logging_test_weight_spread']
    assert all('loss' not in k for k in keys)
    assert hub.get_scalar(keys[0]).current() > 0
    loss.eval()
    count = len(hub.get_scalar(keys[0]).data[0])
    loss(torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6))
    assert len(hub.get_scalar(keys[0]).data[0]) == count


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.avatar_kd, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_builds_mmrazor_losses_under_another_default_scope():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        loss = MODELS.build(
            dict(_scope_='mmrazor', type='AvatarKDLoss', base_loss=CWD))
        assert type(loss.base_loss).__name__ == 'ChannelWiseDivergence'


@pytest.mark.parametrize('uncertainty, standardize, weighting', [
    ('bn', True, 'uniform'),
    ('variance', False, 'variance'),
    (None, False, 'uniform'),
])
def test_the_former_uncertainty_values_compute_what_their_settings_do(
        monkeypatch, uncertainty, standardize, weighting):
    """Configs written with ``uncertainty`` still run, read as the two
    settings (logged), and compute the same value and gradient."""
    from akd.losses import avatar_kd
    logged = []
    monkeypatch.setattr(avatar_kd, 'print_log',
                        lambda message, **kwargs: logged.append(message))
    torch.manual_seed(0)
    teacher = torch.randn(2, 4, 5, 6)
    results = []
    for settings in (dict(uncertainty=uncertainty),
                     dict(standardize=standardize, weighting=weighting)):
        loss = AvatarKDLoss(base_loss=CWD, num_avatars=3, **settings)
        assert (loss.standardize, loss.weighting) == (standardize, weighting)
        student = torch.randn(2, 4, 5, 6, generator=torch.Generator().
                              manual_seed(1)).requires_grad_()
        torch.manual_seed(2)  # the same avatars
        value = loss(student, teacher)
        value.backward()
        results.append((value.detach(), student.grad))
    assert torch.equal(results[0][0], results[1][0])
    assert torch.equal(results[0][1], results[1][1])
    assert logged == [
        f'AvatarKDLoss.uncertainty={uncertainty!r} is read as standardize='
        f'{standardize}, weighting={weighting!r}; write those instead.'
    ]
