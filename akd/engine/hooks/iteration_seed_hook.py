"""Random draws that depend on the run's seed, the rank and the iteration
only, so a resumed run draws what the uninterrupted run drew.

mmengine seeds torch once, at the start of a run. A run resumed at
iteration i starts torch's generators from that seed again, not from where
the first run's draws had left them at i, so everything drawn on the model
side afterwards differs: AKD's avatars, dropout and drop-path, MixKD's
mixing, proposal sampling. (The data side is replayed: mmengine advances
the dataloader past the i batches already trained.) Seeding torch's
generators from (run seed, rank, iteration) before every training iteration
makes each iteration's draws a function of the three, under one process or
many. fairseq's trainer does the same with ``seed + num_updates``.
"""
import hashlib

import torch
from mmengine.hooks import Hook
from mmrazor.registry import HOOKS


def iteration_seed(run_seed: int, rank: int, iteration: int) -> int:
    """A 63-bit seed from the run's seed, the rank and the iteration, so
    that nearby runs (seed 0 and 1) do not share streams shifted by one
    iteration, nor ranks their draws."""
    key = f'{run_seed}:{rank}:{iteration}'.encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], 'little') >> 1


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Seed torch's CPU and CUDA generators before each training iteration.

    The seed is :func:`iteration_seed` of the runner's seed, the rank and
    the iteration about to run: under DDP each rank draws its own avatars
    and dropout masks for its own images. NumPy's and Python's generators
    are left to the data pipeline, whose draws mmengine's dataloader
    advance replays.
    ``tools/train.py`` adds it as ``default_hooks.iteration_seed``; switch it
    off with ``default_hooks.iteration_seed=None``.
    """

    priority = 'VERY_HIGH'  # before any hook that draws

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        torch.manual_seed(
            iteration_seed(runner.seed, runner.rank, runner.iter))
