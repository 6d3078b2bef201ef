import socket

import torch
import torch.distributed as dist

from akd.tooling.distributed import release_process_group


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _wrap_in_ddp():
    """A DDP module left for the garbage collector, as a runner leaves it."""
    model = torch.nn.Linear(3, 2)
    wrapped = torch.nn.parallel.DistributedDataParallel(model)
    wrapped(torch.randn(4, 3)).sum().backward()
    cycle = [wrapped]
    cycle.append(cycle)  # only a collection frees it


def test_release_destroys_the_group_after_freeing_ddp():
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{_free_port()}', rank=0,
        world_size=1)
    _wrap_in_ddp()
    release_process_group()
    assert not dist.is_initialized()


def test_release_without_a_group_does_nothing():
    assert not dist.is_initialized()
    release_process_group()
    assert not dist.is_initialized()
