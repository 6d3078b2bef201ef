"""Random outputs of a dense detection head on two FPN levels, for the
head-distillation loss tests."""
import torch

LEVELS = [(6, 5), (3, 3)]  # (H, W) of each level
BINS = 17  # GFL's reg_max 16


def head_levels(channels, seed, scale=1.0):
    """One ``(2, channels, H, W)`` map per level."""
    torch.manual_seed(seed)
    return tuple(torch.randn(2, channels, h, w) * scale for h, w in LEVELS)


def assigned_labels(num_classes, seed=3):
    """Per level ``(2, H * W)`` labels: about 30% positives (0..C-1), the
    rest background (C)."""
    torch.manual_seed(seed)
    return tuple(
        torch.where(
            torch.rand(2, h * w) < 0.3,
            torch.randint(0, num_classes, (2, h * w)),
            torch.full((2, h * w), num_classes)) for h, w in LEVELS)


def labels_with_non_samples(num_classes, seed=3):
    """``assigned_labels`` where image 0 has no positive and about 20% of
    the priors are no sample (-1: ignored by the assigner, or in the
    batch's padding, as ``DetTargetLabels`` marks them)."""
    levels = []
    for level in assigned_labels(num_classes, seed):
        level = level.clone()
        level[0] = num_classes
        level[torch.rand(level.shape) < 0.2] = -1
        levels.append(level)
    return tuple(levels)
