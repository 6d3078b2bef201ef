import doctest
import io
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmrazor.registry import MODELS

import akd.losses.tcs
from akd.losses import AvatarKDLoss
from akd.losses.tcs import TCSLoss, num_kept
from tolerances import ULPS, assert_close_float32

BUFFERS = {'num_samples', 'mean', 'covariance', 'variances', 'basis'}


def _pixels(*maps):
    """All pixel C-vectors of the maps, as rows of a float64 numpy array."""
    return np.concatenate([
        m.double().movedim(1, -1).reshape(-1, m.shape[1]).numpy() for m in maps
    ])


def _reference_pca(*maps):
    """Mean, variances (decreasing) and directions of the pooled pixels."""
    X = _pixels(*maps)
    mean = X.mean(0)
    variances, U = np.linalg.eigh(np.cov(X.T, bias=True))
    return mean, variances[::-1], U[:, ::-1]


def _reference(S, T, mean, U_k):
    """1/(N*H*W) sum over pixels of ||c(S) - c(T)||^2, c(x) = U_k^T (x-mu),
    with loops over pixels, axes and channels."""
    N, C, H, W = S.shape
    total = 0.
    for n in range(N):
        for h in range(H):
            for w in range(W):
                for j in range(U_k.shape[1]):
                    c_S = sum(U_k[c, j] * (float(S[n, c, h, w]) - mean[c])
                              for c in range(C))
                    c_T = sum(U_k[c, j] * (float(T[n, c, h, w]) - mean[c])
                              for c in range(C))
                    total += (c_S - c_T)**2
    return total / (N * H * W)


def _correlated(*shape, seed=0, offset=3.0):
    """A map whose channels are mixed, so the principal axes are not the
    channel axes, with a non-zero mean."""
    generator = torch.Generator().manual_seed(seed)
    C = shape[1]
    mixing = torch.randn(C, C, generator=generator)
    z = torch.randn(*shape, generator=generator)
    return torch.einsum('dc,nc...->nd...', mixing, z) + offset


def _projector(U):
    return U @ U.T


def _basis_ulps(variances):
    """ULPS times lambda_max / (smallest gap between variances): a principal
    direction moves by the covariance's rounding over the gap to the next
    variance (Davis-Kahan), so bases are compared that much more loosely."""
    variances = variances.double()
    return ULPS * (variances.max() / variances.diff().abs().min()).item()


@pytest.mark.parametrize('num_components', [3, 0.8])
def test_matches_reference_loop_on_dense_maps(num_components):
    S, T = _correlated(2, 6, 3, 5, seed=1), _correlated(2, 6, 3, 5, seed=2)
    loss = TCSLoss(channels=6,
                   num_components=num_components,
                   basis_samples=30,
                   loss_weight=2.0)
    value = loss(S, T)
    mean, variances, U = _reference_pca(T)
    if isinstance(num_components, int):
        k = num_components
    else:  # the fewest leading variances that reach the fraction
        share = variances / variances.sum()
        k = next(j for j in range(1, 7) if share[:j].sum() >= num_components)
    assert loss.kept_basis().shape == (6, k)
    expected = 2.0 * _reference(S, T, mean, U[:, :k])
    assert_close_float32(value, expected)


def test_vectors_are_maps_of_one_pixel():
    """(N, C), the paper's one feature per image, is (N, C, 1, 1)."""
    S, T = _correlated(8, 4, seed=1), _correlated(8, 4, seed=2)
    vectors, maps = TCSLoss(channels=4), TCSLoss(channels=4)
    torch.testing.assert_close(vectors(S, T),
                               maps(S[..., None, None], T[..., None, None]))
    torch.testing.assert_close(vectors.basis, maps.basis)


def test_basis_is_the_pca_of_the_teacher_pixels():
    T = _correlated(2, 5, 4, 6)
    loss = TCSLoss(channels=5, num_components=5)
    loss(torch.zeros_like(T), T)
    mean, variances, U = _reference_pca(T)
    assert_close_float32(loss.mean, mean)
    assert_close_float32(loss.variances, variances)
    basis = loss.basis.double().numpy()
    np.testing.assert_allclose(basis.T @ basis, np.eye(5), atol=1e-6)
    for k in range(1, 5):  # the leading subspaces, whatever the signs
        np.testing.assert_allclose(_projector(basis[:, :k]),
                                   _projector(U[:, :k]),
                                   atol=1e-5)


def test_basis_accumulated_over_calls_equals_pca_of_all_pixels():
    maps = [
        _correlated(2, 4, 3, 5, seed=1, offset=100.0),
        _correlated(3, 4, 2, 2, seed=2, offset=100.5),
        _correlated(1, 4, 6, 1, seed=3, offset=99.0)
    ]
    loss = TCSLoss(channels=4)
    loss(maps[0], maps[0])
    loss((maps[1], maps[2]), (maps[1], maps[2]))  # levels pool
    X = _pixels(*maps)
    assert loss.num_samples.item() == len(X) == 30 + 12 + 6
    assert_close_float32(loss.mean, X.mean(0))
    assert_close_float32(loss.covariance, np.cov(X.T, bias=True))


def test_projection_reconstructs_features_of_a_low_dimensional_subspace():
    torch.manual_seed(0)
    C, r = 8, 3
    A, mu = torch.randn(C, r), torch.randn(C)
    z = torch.randn(4, r, 5, 5)
    T = torch.einsum('cr,nrhw->nchw', A, z) + mu[:, None, None]
    loss = TCSLoss(channels=C, num_components=0.999)
    loss(T.clone(), T)
    U_k = loss.kept_basis()
    assert U_k.shape == (C, r)
    x = T.movedim(1, -1).reshape(-1, C) - loss.mean.float()  # (M, C)
    torch.testing.assert_close(x @ U_k @ U_k.T, x, atol=1e-4, rtol=1e-4)


def test_fraction_keeps_the_fewest_components_that_explain_it():
    variances = torch.tensor([16., 4., 1., 0.25])  # total 21.25
    assert num_kept(variances, 0.75) == 1  # 16 / 21.25 = 0.753
    assert num_kept(variances, 0.9) == 2  # 20 / 21.25 = 0.941
    assert num_kept(variances, 0.98) == 3  # 21 / 21.25 = 0.988
    assert num_kept(variances, 1.0) == 4
    assert num_kept(variances, 2) == 2
    assert num_kept(torch.zeros(4), 0.9) == 0


def test_zero_when_student_equals_teacher_or_differs_outside_subspace():
    torch.manual_seed(0)
    A = torch.linalg.qr(torch.randn(6, 6))[0]
    inside, outside = A[:, :2], A[:, 2:]
    T = torch.einsum('cr,nrhw->nchw', inside, torch.randn(2, 2, 4, 4))
    loss = TCSLoss(channels=6, num_components=2)
    assert loss(T.clone(), T).item() == 0
    off = torch.einsum('cr,nrhw->nchw', outside, torch.randn(2, 4, 4, 4))
    assert loss(T + off, T).item() < 1e-10
    on = torch.einsum('cr,nrhw->nchw', inside, torch.randn(2, 2, 4, 4))
    assert loss(T + on, T).item() > 0.1


def test_does_not_grow_with_resolution():
    S, T = _correlated(2, 4, 3, 5, seed=1), _correlated(2, 4, 3, 5, seed=2)
    up = lambda x: x.repeat_interleave(2, 2).repeat_interleave(2, 3)  # noqa
    small, large = TCSLoss(channels=4), TCSLoss(channels=4)
    assert_close_float32(large(up(S), up(T)), small(S, T))
    assert_close_float32(large.basis,
                         small.basis,
                         ulps=_basis_ulps(small.variances))


def test_tuple_of_levels_sums_levels_with_one_pooled_basis():
    S = (_correlated(2, 4, 4, 4, seed=1), _correlated(2, 4, 2, 2, seed=2))
    T = (_correlated(2, 4, 4, 4, seed=3), _correlated(2, 4, 2, 2, seed=4))
    pooled = TCSLoss(channels=4)
    per_level = TCSLoss(channels=4, basis_samples=40)
    value = pooled(S, T)
    per_level.observe(T)  # 32 + 8 pixels: fixed
    torch.testing.assert_close(value,
                               per_level(S[0], T[0]) + per_level(S[1], T[1]))
    mean, _, _ = _reference_pca(*T)
    assert_close_float32(pooled.mean, mean)


def test_basis_is_fixed_once_basis_samples_are_seen():
    T1, T2 = _correlated(2, 4, 5, 6, seed=1), _correlated(2, 4, 5, 6, seed=2)
    fixed, growing = (TCSLoss(channels=4, basis_samples=60),
                      TCSLoss(channels=4, basis_samples=61))
    for loss in (fixed, growing):
        loss(T1, T1)
    assert fixed.basis_ready and not growing.basis_ready
    before = {k: v.clone() for k, v in fixed.state_dict().items()}
    fixed(T2, T2), growing(T2, T2)
    for key, value in fixed.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert not torch.equal(growing.mean, fixed.mean)


def test_basis_is_a_persistent_buffer_not_a_parameter():
    loss = TCSLoss(channels=4)
    assert set(loss.state_dict()) == BUFFERS
    assert loss.basis.shape == (4, 4) and loss.covariance.shape == (4, 4)
    assert list(loss.parameters()) == []


def _round_trip(loss):
    buffer = io.BytesIO()
    torch.save(loss.state_dict(), buffer)
    buffer.seek(0)
    fresh = TCSLoss(channels=loss.channels,
                    num_components=loss.num_components,
                    basis_samples=loss.basis_samples)
    fresh.load_state_dict(torch.load(buffer))
    return fresh


def test_state_dict_round_trip_gives_identical_value_and_fixed_basis():
    S, T = _correlated(2, 4, 5, 6, seed=1), _correlated(2, 4, 5, 6, seed=2)
    loss = TCSLoss(channels=4, num_components=2, basis_samples=10)
    loss(S, T)
    restored = _round_trip(loss)
    assert restored.basis_ready
    S2, T2 = _correlated(2, 4, 5, 6, seed=3), _correlated(2, 4, 5, 6, seed=4)
    torch.testing.assert_close(restored(S2, T2), loss(S2, T2), rtol=0, atol=0)
    assert torch.equal(restored.basis, loss.basis)


def test_resuming_mid_warmup_continues_the_same_pca():
    T1, T2 = _correlated(2, 4, 5, 6, seed=1), _correlated(2, 4, 3, 3, seed=2)
    uninterrupted = TCSLoss(channels=4)
    uninterrupted(T1, T1), uninterrupted(T2, T2)
    first = TCSLoss(channels=4)
    first(T1, T1)
    resumed = _round_trip(first)
    resumed(T2, T2)
    for key, value in uninterrupted.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[key], value)


@pytest.mark.parametrize('change', [
    dict(num_components=2),
    dict(num_components=0.5),
    dict(basis_samples=1),
    dict(loss_weight=2.0)
])
def test_each_argument_changes_the_result(change):
    S1, T1 = _correlated(2, 6, 3, 4, seed=1), _correlated(2, 6, 3, 4, seed=2)
    S2, T2 = _correlated(2, 6, 3, 4, seed=3), _correlated(2, 6, 3, 4, seed=4)

    def second_call(**kwargs):  # basis_samples=1 fixes T1's basis first
        args = dict(channels=6, num_components=3, basis_samples=10**6)
        loss = TCSLoss(**{**args, **kwargs})
        loss(S1, T1)
        return loss(S2, T2)

    assert not torch.isclose(second_call(**change), second_call())


def test_gradient_reaches_the_student_not_the_basis():
    S = _correlated(2, 4, 3, 3, seed=1).requires_grad_()
    loss = TCSLoss(channels=4)
    loss(S, _correlated(2, 4, 3, 3, seed=2)).backward()
    assert S.grad.abs().sum() > 0
    assert all(not b.requires_grad for b in loss.buffers())


def test_avatar_loss_equals_weighted_loop_in_value_and_gradient():
    S = _correlated(2, 4, 3, 5, seed=1).requires_grad_()
    avatars = torch.stack([_correlated(2, 4, 3, 5, seed=s) for s in (2, 3, 4)],
                          dim=1)
    weights = torch.tensor([0.2, 0.5, 0.3])
    loss = TCSLoss(channels=4,
                   num_components=2,
                   basis_samples=30,
                   loss_weight=2.0)
    loss.observe((avatars[:, 0], ))  # 30 pixels: fixed, one basis for both
    assert loss.basis_ready
    batched = loss.avatar_loss(S, avatars, weights)
    grad_batched, = torch.autograd.grad(batched, S)
    looped = sum(w * loss(S, avatars[:, k]) for k, w in enumerate(weights))
    grad_looped, = torch.autograd.grad(looped, S)
    assert_close_float32(batched, looped)
    assert_close_float32(grad_batched, grad_looped)


def test_avatar_loss_builds_the_basis_once_from_the_mean_avatar():
    avatars = torch.stack([_correlated(2, 4, 3, 5, seed=s) for s in (2, 3, 4)],
                          dim=1)
    weights = torch.tensor([0.2, 0.5, 0.3])
    loss = TCSLoss(channels=4)
    loss.avatar_loss(torch.zeros(2, 4, 3, 5), avatars, weights)
    mean_avatar = sum(w * avatars[:, k] for k, w in enumerate(weights))
    mean, _, _ = _reference_pca(mean_avatar)
    assert loss.num_samples.item() == 2 * 3 * 5  # pixels, not avatars
    assert_close_float32(loss.mean, mean)


def test_runs_inside_avatar_kd_loss():
    torch.manual_seed(0)
    S = torch.randn(2, 8, 5, 6, requires_grad=True)
    loss = AvatarKDLoss(base_loss=dict(type='TCSLoss', channels=8),
                        num_avatars=2,
                        standardize=False, weighting='variance')
    value = loss(S, _correlated(2, 8, 5, 6))
    value.backward()
    tcs = loss.base_loss
    assert value.item() > 0 and S.grad.abs().sum() > 0
    assert tcs.num_samples.item() == 2 * 5 * 6
    basis = tcs.basis.double()
    torch.testing.assert_close(basis.T @ basis,
                               torch.eye(8).double(),
                               atol=1e-6,
                               rtol=0)


def _plain_and_wrapped(basis_samples=10**6):
    args = dict(channels=4,
                num_components=2,
                basis_samples=basis_samples,
                loss_weight=2.0)
    plain = TCSLoss(**args)
    wrapped = AvatarKDLoss(base_loss=dict(type='TCSLoss', **args),
                           num_avatars=1,
                           perturbation=dict(type='AvatarDropout', p=0.0),
                           standardize=False, weighting='uniform')
    return plain, wrapped


def test_avatar_kd_without_perturbation_equals_plain_loss():
    S, T = _correlated(2, 4, 5, 6, seed=1), _correlated(2, 4, 5, 6, seed=2)
    plain, wrapped = _plain_and_wrapped()
    assert_close_float32(wrapped(S, T), plain(S, T))
    for key, value in plain.state_dict().items():
        ulps = _basis_ulps(plain.variances) if key == 'basis' else ULPS
        assert_close_float32(wrapped.base_loss.state_dict()[key],
                             value,
                             ulps=ulps)


def test_avatar_kd_without_perturbation_equals_plain_loss_on_levels():
    """AvatarKDLoss calls the loss level by level: once the basis is fixed,
    the levels give the plain tuple loss."""
    S = (_correlated(2, 4, 4, 4, seed=1), _correlated(2, 4, 2, 2, seed=2))
    T = (_correlated(2, 4, 4, 4, seed=3), _correlated(2, 4, 2, 2, seed=4))
    plain, wrapped = _plain_and_wrapped(basis_samples=40)
    for loss in (plain, wrapped.base_loss):
        loss.observe(T)  # 32 + 8 pixels: fixed
        assert loss.basis_ready
    assert_close_float32(wrapped(S, T), plain(S, T))


@pytest.mark.parametrize('kwargs, key', [
    (dict(channels=0), 'TCSLoss.channels'),
    (dict(channels=4, num_components=0), 'TCSLoss.num_components'),
    (dict(channels=4, num_components=5), 'TCSLoss.num_components'),
    (dict(channels=4, num_components=1.5), 'TCSLoss.num_components'),
    (dict(channels=4, num_components=True), 'TCSLoss.num_components'),
    (dict(channels=4, basis_samples=0), 'TCSLoss.basis_samples'),
])
def test_rejects_bad_arguments_naming_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key):
        TCSLoss(**kwargs)


def test_rejects_shape_mismatch_naming_the_connector():
    loss = TCSLoss(channels=4)
    with pytest.raises(ValueError,
                       match=r'\(2, 3, 5, 5\).*model.distiller.connectors'):
        loss(torch.randn(2, 3, 5, 5), torch.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match='channels=4'):
        loss(torch.randn(2, 6, 5, 5), torch.randn(2, 6, 5, 5))
    with pytest.raises(ValueError, match='2 tensors .* 1 tensors'):
        loss((torch.randn(2, 4, 5, 5), ) * 2, (torch.randn(2, 4, 5, 5), ))


def test_builds_from_the_registry():
    loss = MODELS.build(
        dict(_scope_='mmrazor', type='TCSLoss', channels=4, num_components=2))
    assert isinstance(loss, TCSLoss)
    assert repr(loss) == ('TCSLoss(channels=4, num_components=2, '
                          'basis_samples=1000000, loss_weight=1.0)')


def _rank_basis(rank, port, results):
    dist.init_process_group('gloo',
                            init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank,
                            world_size=2)
    loss = TCSLoss(channels=4)
    teacher = _correlated(2, 4, 3, 3, seed=rank)
    loss(teacher, teacher)
    results[rank] = {k: v.clone() for k, v in loss.state_dict().items()}
    dist.destroy_process_group()


def test_ranks_build_one_basis_from_all_ranks_pixels():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    results = mp.Manager().dict()
    mp.spawn(_rank_basis, args=(port, results), nprocs=2)
    for key in BUFFERS:
        assert torch.equal(results[0][key], results[1][key]), key
    X = _pixels(_correlated(2, 4, 3, 3, seed=0), _correlated(2,
                                                             4,
                                                             3,
                                                             3,
                                                             seed=1))
    assert results[0]['num_samples'].item() == len(X)
    assert_close_float32(results[0]['covariance'], np.cov(X.T, bias=True))


def test_docstring_example_runs():
    result = doctest.testmod(akd.losses.tcs)
    assert result.attempted > 0 and result.failed == 0


def test_autocast_gives_the_float32_value_and_basis():
    """AMP runs matmul in float16, where these squared sums overflow."""
    torch.manual_seed(0)
    S = torch.randn(2, 16, 40, 60) * 5 + 3
    T = torch.randn(2, 16, 40, 60) * 5 + 3
    full = TCSLoss(channels=16, basis_samples=10)
    amp = TCSLoss(channels=16, basis_samples=10)
    expected = full(S, T)
    with torch.autocast('cpu', dtype=torch.float16):
        value = amp(S, T)
    torch.testing.assert_close(value, expected)
    torch.testing.assert_close(amp.basis, full.basis)
