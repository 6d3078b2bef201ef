"""Run mmengine's ``pytorch`` launcher on machines without CUDA.

Upstream problem (mmengine 0.10): the launcher always calls
``torch.cuda.set_device`` and the configs ask for ``nccl``, and the Runner
wraps the model with ``device_ids=[LOCAL_RANK]``; all three fail on CPU. Where
CUDA is unavailable the process group uses gloo, no device is set, DDP gets
``device_ids=None``, and SyncBN (CUDA-only in torch) becomes BN with a
warning. With CUDA nothing changes.
"""
import os

import mmengine.dist.utils as dist_utils
import torch
import torch.distributed as torch_dist
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm

_PATCHED = '_akd_cpu_aware'


def _init_dist_pytorch_any_device(original):

    def init(backend, init_backend='torch', **kwargs):
        if torch.cuda.is_available() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        if backend != 'gloo':
            print_log(f'CUDA is unavailable: using the gloo backend instead '
                      f'of {backend!r} for distributed training on CPU.',
                      logger='current')
        torch_dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']), **kwargs)

    setattr(init, _PATCHED, True)
    return init


def _ddp_init_any_device(original):

    def __init__(self, module, detect_anomalous_params=False, **kwargs):
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        if on_cpu and not torch.cuda.is_available():
            kwargs['device_ids'] = None
            kwargs.pop('output_device', None)
            if any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in module.modules()):
                print_log('SyncBN needs CUDA: converted to BN for CPU '
                          'distributed training (statistics stay per '
                          'process).', logger='current', level=30)
                module = revert_sync_batchnorm(module)
        original(self, module, detect_anomalous_params, **kwargs)

    setattr(__init__, _PATCHED, True)
    return __init__


def install() -> None:
    """Patch the launcher and the DDP wrapper; idempotent."""
    if not getattr(dist_utils._init_dist_pytorch, _PATCHED, False):
        dist_utils._init_dist_pytorch = _init_dist_pytorch_any_device(
            dist_utils._init_dist_pytorch)
    if not getattr(MMDistributedDataParallel.__init__, _PATCHED, False):
        MMDistributedDataParallel.__init__ = _ddp_init_any_device(
            MMDistributedDataParallel.__init__)
