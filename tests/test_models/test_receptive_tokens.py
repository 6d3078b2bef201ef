import pytest
import torch

from akd.models import ReceptiveTokens
from akd.models.receptive_tokens import dice_similarity, receptive_masks


def test_masks_match_reference_loop():
    torch.manual_seed(0)
    tokens, feats = torch.randn(3, 4), torch.randn(2, 4, 5, 6)
    expected = torch.zeros(2, 3, 5, 6)
    for n in range(2):
        for t in range(3):
            for y in range(5):
                for x in range(6):
                    logit = sum(tokens[t, c] * feats[n, c, y, x]
                                for c in range(4))
                    expected[n, t, y, x] = torch.sigmoid(logit)
    torch.testing.assert_close(receptive_masks(tokens, feats), expected)


def test_dice_similarity_matches_pairwise_loop():
    torch.manual_seed(0)
    masks = torch.rand(2, 4, 3, 5)
    values = []
    for n in range(2):
        for i in range(4):
            for j in range(4):
                if i != j:
                    a, b = masks[n, i].flatten(), masks[n, j].flatten()
                    values.append(2 * a.dot(b) / (a.dot(a) + b.dot(b)))
    torch.testing.assert_close(dice_similarity(masks),
                               torch.stack(values).mean())


def test_dice_is_one_for_equal_masks_and_zero_for_disjoint_masks():
    equal = torch.rand(1, 1, 4, 4).expand(2, 3, 4, 4)
    torch.testing.assert_close(dice_similarity(equal), torch.tensor(1.))
    disjoint = torch.eye(3).reshape(1, 3, 3, 1)  # token t marks row t
    torch.testing.assert_close(dice_similarity(disjoint), torch.tensor(0.))


def test_forward_is_the_weighted_sum_of_masked_features():
    """The original's (N, T, C, H, W) form: sum_t p_t * M_t * F."""
    torch.manual_seed(0)
    tokens = ReceptiveTokens(channels=4, num_tokens=3)
    feats = torch.randn(2, 4, 7, 5)  # odd sizes
    masked, similarity = tokens(feats)
    masks = tokens.masks(feats)  # (N, T, H, W)
    weights = tokens.token_weights(feats)  # (N, T)
    expected = sum(weights[:, t, None, None, None] * masks[:, t, None] * feats
                   for t in range(3))
    torch.testing.assert_close(masked, expected)
    torch.testing.assert_close(similarity, dice_similarity(masks))


def test_token_weights_are_a_distribution_per_sample():
    tokens = ReceptiveTokens(channels=4, num_tokens=5)
    weights = tokens.token_weights(torch.randn(3, 4, 6, 6))
    assert weights.shape == (3, 5)
    assert (weights > 0).all()
    torch.testing.assert_close(weights.sum(1), torch.ones(3))


def test_num_tokens_and_channels_set_the_parameter_shapes():
    tokens = ReceptiveTokens(channels=7, num_tokens=4)
    assert tokens.tokens.shape == (4, 7)
    assert tokens.masks(torch.randn(1, 7, 3, 3)).shape == (1, 4, 3, 3)


def test_rejects_fewer_than_two_tokens():
    with pytest.raises(ValueError, match='num_tokens must be >= 2'):
        ReceptiveTokens(channels=4, num_tokens=1)
