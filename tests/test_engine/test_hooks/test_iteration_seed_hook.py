from types import SimpleNamespace

import torch

from akd.engine.hooks import IterationSeedHook


def _draw(seed=0, rank=0, iteration=5, drawn_before=0):
    """What a model draws in an iteration, after ``drawn_before`` draws of
    earlier iterations."""
    torch.rand(drawn_before)
    runner = SimpleNamespace(seed=seed, rank=rank, iter=iteration)
    IterationSeedHook().before_train_iter(runner, batch_idx=iteration)
    return torch.rand(8)


def test_draws_depend_on_the_iteration_not_on_earlier_draws():
    """A resumed run has drawn nothing before the iteration it resumes."""
    assert torch.equal(_draw(drawn_before=0), _draw(drawn_before=1000))


def test_iterations_ranks_and_seeds_draw_differently():
    base = _draw()
    for other in (_draw(iteration=6), _draw(rank=1), _draw(seed=1)):
        assert not torch.equal(base, other)
