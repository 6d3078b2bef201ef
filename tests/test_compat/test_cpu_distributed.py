import torch
import torch.distributed as dist
from mmengine.dist import init_dist
from mmengine.model import MMDistributedDataParallel

import akd  # noqa: F401


def test_pytorch_launcher_and_ddp_work_on_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    for key, value in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                           MASTER_ADDR='127.0.0.1',
                           MASTER_PORT='29517').items():
        monkeypatch.setenv(key, value)
    init_dist('pytorch', backend='nccl')  # as mmdet's runtime asks
    try:
        assert dist.get_backend() == 'gloo'
        _check_ddp_wraps_cpu_module()
    finally:
        dist.destroy_process_group()


def _check_ddp_wraps_cpu_module():
    # In its own frame, so DDP's reducer is freed before the process group
    # is destroyed: the other order can hang in ProcessGroupGloo's
    # destructor.
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.SyncBatchNorm(4))
    wrapped = MMDistributedDataParallel(
        module=model, device_ids=[0], broadcast_buffers=False)
    assert wrapped.device_ids is None
    assert not any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in wrapped.module.modules())
    wrapped(torch.randn(2, 3, 8, 8)).sum().backward()
