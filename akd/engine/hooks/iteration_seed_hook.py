"""Random draws that depend on the iteration alone, so a resumed run draws
what the uninterrupted run drew.

mmengine seeds torch once, at the start of a run. A run resumed at
iteration i starts torch's generators from that seed again, not from where
the first run's draws had left them at i, so everything drawn on the model
side afterwards differs: AKD's avatars, dropout and drop-path, MixKD's
mixing, proposal sampling. (The data side is replayed: mmengine advances
the dataloader past the i batches already trained.) Seeding torch's
generators from (run seed, iteration) before every training iteration makes
each iteration's draws a function of the two, under one process or many.
This is fairseq's way (its trainer seeds with ``seed + num_updates``).
"""
import hashlib

import torch
from mmengine.hooks import Hook
from mmrazor.registry import HOOKS


def iteration_seed(run_seed: int, iteration: int) -> int:
    """A 63-bit seed from the run's seed and the iteration, so that nearby
    runs (seed 0 and 1) do not share streams shifted by one iteration."""
    digest = hashlib.sha256(f'{run_seed}:{iteration}'.encode()).digest()
    return int.from_bytes(digest[:8], 'little') >> 1


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seed torch's CPU and CUDA generators before each training iteration.

    The seed is :func:`iteration_seed` of the runner's seed (which already
    differs by rank when ``randomness.diff_rank_seed`` is set) and the
    iteration about to run. NumPy's and Python's generators are left to the
    data pipeline, whose draws mmengine's dataloader advance replays.
    ``tools/train.py`` adds it as ``default_hooks.iteration_seed``; switch it
    off with ``default_hooks.iteration_seed=None``.
    """

    priority = 'VERY_HIGH'  # before any hook that draws

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        torch.manual_seed(iteration_seed(runner.seed, runner.iter))
