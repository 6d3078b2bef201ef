import pytest
import torch

from akd.models import (AvatarChannelDropout, AvatarDropout,
                        AvatarGaussianNoise, AvatarSpatialDropout)
from akd.models.avatar_perturbations import drop_mask

PERTURBATIONS = [
    AvatarDropout(p=0.3),
    AvatarChannelDropout(p=0.3),
    AvatarSpatialDropout(p=0.3, block_size=3),
    AvatarGaussianNoise(sigma=0.5),
]


@pytest.mark.parametrize('perturbation', PERTURBATIONS, ids=repr)
def test_avatars_have_teacher_expectation(perturbation):
    torch.manual_seed(0)
    teacher = torch.rand(2, 3, 8, 10) + 1
    avatars = perturbation(teacher, 4000)  # (N, K, C, H, W)
    assert avatars.shape == (2, 4000, 3, 8, 10)
    torch.testing.assert_close(
        avatars.mean(dim=1), teacher, atol=0.06, rtol=0.03)


@pytest.mark.parametrize('perturbation', PERTURBATIONS, ids=repr)
def test_perturbation_leaves_teacher_unchanged(perturbation):
    teacher = torch.randn(2, 3, 8, 10)
    copy = teacher.clone()
    perturbation(teacher, 3)
    assert torch.equal(teacher, copy)


def test_drop_mask_drops_fraction_p_in_every_lane_of_a_draw():
    torch.manual_seed(0)
    for p in (0.0, 0.1, 0.5, 0.9):
        mask = drop_mask((1000, 1000), p, torch.device('cpu'))
        # four consecutive entries come from the four 16-bit lanes of one
        # int64 draw: each lane must be uniform, the sign lane included
        per_lane = mask.reshape(-1, 4).float().mean(dim=0)
        assert (per_lane - p).abs().max().item() < 3e-3


def test_dropout_scales_kept_elements_by_inverse_keep_rate():
    torch.manual_seed(0)
    teacher = torch.ones(1, 2, 4, 4)
    avatars = AvatarDropout(p=0.25)(teacher, 2)
    assert torch.equal(avatars.unique(), torch.tensor([0.0, 4 / 3]))


def test_channel_dropout_zeroes_whole_channels():
    torch.manual_seed(0)
    avatars = AvatarChannelDropout(p=0.5)(torch.ones(4, 6, 5, 5), 3)
    per_channel = avatars.flatten(3)  # (N, K, C, H*W)
    assert torch.all(per_channel.min(-1).values == per_channel.max(-1).values)
    assert (per_channel[..., 0] == 0).any()


def test_spatial_dropout_drops_blocks_shared_by_channels():
    torch.manual_seed(0)
    avatars = AvatarSpatialDropout(p=0.2, block_size=3)(
        torch.ones(2, 4, 16, 16), 2)
    dropped = avatars == 0  # (N, K, C, H, W)
    assert dropped.any()
    assert torch.equal(dropped, dropped[:, :, :1].expand_as(dropped))
    # a dropped position lies in a fully dropped 3x3 block
    n, k, _, y, x = [int(i) for i in dropped.nonzero()[0]]
    blocks = [dropped[n, k, 0, y0:y0 + 3, x0:x0 + 3]
              for y0 in range(max(0, y - 2), y + 1)
              for x0 in range(max(0, x - 2), x + 1)]
    assert any(b.shape == (3, 3) and b.all() for b in blocks)


def test_spatial_dropout_rejects_logits_naming_alternative():
    with pytest.raises(ValueError, match="AvatarDropout"):
        AvatarSpatialDropout()(torch.randn(4, 19), 2)


def test_gaussian_noise_std_follows_channel_std():
    torch.manual_seed(0)
    teacher = torch.randn(4, 2, 16, 16) * torch.tensor([1.0, 10.0]).reshape(
        1, 2, 1, 1)
    noise = AvatarGaussianNoise(sigma=0.1)(teacher, 50) - teacher.unsqueeze(1)
    std = noise.transpose(0, 2).reshape(2, -1).std(dim=1)
    torch.testing.assert_close(
        std, 0.1 * teacher.transpose(0, 1).reshape(2, -1).std(dim=1),
        rtol=0.05, atol=0)


def test_gaussian_noise_avatars_of_a_teacher_with_grad_keep_its_grad():
    """Without grad the avatars are written over the noise; a teacher that
    requires grad gets them out of place, and the gradient reaches it."""
    teacher = torch.randn(2, 3, 4, 4, requires_grad=True)
    torch.manual_seed(1)
    avatars = AvatarGaussianNoise(sigma=0.2)(teacher, 3)
    avatars.sum().backward()
    assert teacher.grad.abs().sum() > 0
    torch.manual_seed(1)
    with torch.no_grad():
        again = AvatarGaussianNoise(sigma=0.2)(teacher, 3)
    torch.testing.assert_close(again, avatars.detach(), rtol=0, atol=0)


@pytest.mark.parametrize('make', [
    lambda: AvatarDropout(p=1.0), lambda: AvatarChannelDropout(p=-0.1),
    lambda: AvatarSpatialDropout(p=1.5)
])
def test_rejects_probability_outside_unit_interval(make):
    with pytest.raises(ValueError, match=r'\.p must be in \[0, 1\)'):
        make()


def test_rejects_even_block_size():
    with pytest.raises(ValueError, match='AvatarSpatialDropout.block_size'):
        AvatarSpatialDropout(block_size=4)


def test_same_seed_gives_same_avatars():
    teacher = torch.randn(2, 3, 8, 8)
    for perturbation in PERTURBATIONS:
        torch.manual_seed(3)
        first = perturbation(teacher, 2)
        torch.manual_seed(3)
        assert torch.equal(first, perturbation(teacher, 2))
