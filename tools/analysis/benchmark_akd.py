"""Benchmark AvatarKDLoss against its base loss and the original AKD form.

Prints, in one run, forward+backward time and peak memory of:
- the base loss (MMRazor's ChannelWiseDivergence),
- the original one-avatar form written plainly,
  base_loss(F.batch_norm(S), F.dropout(T, 0.1)) (the original's CWD variant),
- ``AvatarKDLoss`` with K = 1, 4, 8 (``--uncertainty bn``, i.e.
  ``standardize=True, weighting='uniform'``, unless given),
on FPN features (5 levels, 256 channels, batch 2, of a 1333x800 image) and
on Cityscapes logits (19 x 128 x 256, batch 2), as ratios to the original
form; then the whole training step of AKD toy configs (K=4) against their
base-method twins, on a batch of the toy data (`python
tools/make_toy_data.py` first). Timing is the median over interleaved
repeats, so a busy machine slows every variant alike. Peak memory is the
CUDA allocator's peak on GPU and the growth of a fresh process's peak
resident set (VmHWM) on CPU.

    python tools/analysis/benchmark_akd.py [--device cuda] [--repeats 10]
"""
import argparse
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List

import torch
import torch.nn.functional as F

from akd.losses.avatar_kd import UNCERTAINTY_MODES
from akd.tooling.process_memory import status_kib

FPN_SHAPES = [(2, 256, 100, 167), (2, 256, 50, 84), (2, 256, 25, 42),
              (2, 256, 13, 21), (2, 256, 7, 11)]  # strides 8..128 of 1333x800
LOGIT_SHAPES = [(2, 19, 128, 256)]
TENSORS = {'fpn': FPN_SHAPES, 'logits': LOGIT_SHAPES}
AVATARS = (1, 4, 8)
STEP_PAIRS = [
    ('configs/cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py',
     'configs/akd/akd-cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'),
    ('configs/cwd/cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
     'toy-cityscapes.py',
     'configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
     'toy-cityscapes.py'),
]


def loss_variants(uncertainty: str) -> Dict[str, Callable]:
    """name -> builder of a loss(list of student, list of teacher)."""
    from mmrazor.registry import MODELS

    import akd  # noqa: F401  (registers AvatarKDLoss)
    base_cfg = dict(type='ChannelWiseDivergence', tau=1.0)

    def base():
        cwd = MODELS.build(base_cfg)
        return lambda S, T: sum(cwd(s, t) for s, t in zip(S, T))

    def original():
        cwd = MODELS.build(base_cfg)

        def loss(S, T):
            return sum(
                cwd(F.batch_norm(s, None, None, training=True),
                    F.dropout(t, p=0.1, training=True))
                for s, t in zip(S, T))

        return loss

    def ours(k):
        return lambda: MODELS.build(
            dict(type='AvatarKDLoss', base_loss=base_cfg, num_avatars=k,
                 **UNCERTAINTY_MODES[uncertainty]))

    variants = {'base loss': base, 'original (1 avatar)': original}
    variants.update({f'AvatarKDLoss K={k}': ours(k) for k in AVATARS})
    return variants


def make_inputs(shapes, device):
    gen = torch.Generator().manual_seed(0)
    S = [torch.randn(s, generator=gen).to(device).requires_grad_()
         for s in shapes]
    T = [torch.randn(s, generator=gen).to(device) for s in shapes]
    return S, T


def run_once(loss, S, T, device) -> None:
    loss(S, T).backward()
    for s in S:
        s.grad = None
    if device == 'cuda':
        torch.cuda.synchronize()


def time_losses(tensors: str, args) -> Dict[str, List[float]]:
    S, T = make_inputs(TENSORS[tensors], args.device)
    losses = {n: build() for n, build in loss_variants(
        args.uncertainty).items()}
    times = {name: [] for name in losses}
    for name, loss in losses.items():  # warm-up
        run_once(loss, S, T, args.device)
    for _ in range(args.repeats):
        for name, loss in losses.items():
            start = time.perf_counter()
            run_once(loss, S, T, args.device)
            times[name].append(time.perf_counter() - start)
    return times


def peak_memory(tensors: str, name: str, args) -> float:
    """Peak extra memory (MiB) of one forward+backward of variant ``name``."""
    S, T = make_inputs(TENSORS[tensors], args.device)
    loss = loss_variants(args.uncertainty)[name]()
    if args.device == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        run_once(loss, S, T, args.device)
        return (torch.cuda.max_memory_allocated() - before) / 2**20
    before = status_kib('VmRSS')
    run_once(loss, S, T, args.device)
    return (status_kib('VmHWM') - before) / 1024


def cpu_peak_memory(tensors: str, name: str, args) -> float:
    """``peak_memory`` in a fresh process, so earlier peaks do not hide it."""
    cmd = [sys.executable, __file__, '--memory-of', tensors, name,
           '--uncertainty', str(args.uncertainty), '--threads',
           str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def report_losses(args) -> None:
    for tensors, shapes in TENSORS.items():
        times = time_losses(tensors, args)
        ref = statistics.median(times['original (1 avatar)'])
        print(f'\n## {tensors}: {len(shapes)} tensor(s), first {shapes[0]}, '
              f'uncertainty={args.uncertainty!r}, device={args.device}')
        print('| variant | fwd+bwd ms | x original | peak MiB |')
        print('|---|---:|---:|---:|')
        for name, samples in times.items():
            median = statistics.median(samples)
            memory = (peak_memory(tensors, name, args) if args.device
                      == 'cuda' else cpu_peak_memory(tensors, name, args))
            print(f'| {name} | {median * 1e3:.1f} | {median / ref:.2f} | '
                  f'{memory:.0f} |')


def time_train_steps(configs: List[str], repeats: int,
                     device: str) -> Dict[str, List[float]]:
    """Seconds per ``train_step`` of each config, interleaved, on one batch.

    The teachers are randomly initialised (timing needs no weights); the
    batches are the first ones of the config's own train dataloader, loaded
    beforehand so that data loading is not timed.
    """
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    from mmrazor.registry import MODELS

    steps = {}
    for path in configs:
        cfg = Config.fromfile(path)
        cfg.model.teacher_ckpt = None
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            model = MODELS.build(cfg.model).to(device)
            model.train()  # MMRazor's train() returns None
            loader = iter(Runner.build_dataloader(cfg.train_dataloader))
            batches = [next(loader) for _ in range(repeats + 1)]
            optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        steps[path] = (model, batches, optim_wrapper)
    times = {path: [] for path in configs}
    for i in range(repeats + 1):  # the first round warms up
        for path, (model, batches, optim_wrapper) in steps.items():
            start = time.perf_counter()
            model.train_step(batches[i], optim_wrapper)
            if device == 'cuda':
                torch.cuda.synchronize()
            if i > 0:
                times[path].append(time.perf_counter() - start)
    return times


def report_steps(args) -> None:
    print(f'\n## training step (toy configs, device={args.device}, '
          f'denormals flushed={not args.keep_denormals})')
    print('| config | step ms | x base-method twin |')
    print('|---|---:|---:|')
    for base_cfg, akd_cfg in STEP_PAIRS:
        times = time_train_steps([base_cfg, akd_cfg], args.step_repeats,
                                 args.device)
        ref = statistics.median(times[base_cfg])
        for cfg in (base_cfg, akd_cfg):
            median = statistics.median(times[cfg])
            print(f'| {cfg} | {median * 1e3:.0f} | {median / ref:.2f} |')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--step-repeats', type=int, default=10)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument(
        '--uncertainty', default='bn', type=lambda s: None
        if s == 'None' else s, help="'bn', 'variance' or None")
    parser.add_argument('--skip-steps', action='store_true')
    parser.add_argument(
        '--keep-denormals', action='store_true',
        help='do not flush denormal floats to zero on CPU, which '
        'tools/train.py does (torch.set_flush_denormal)')
    parser.add_argument('--memory-of', nargs=2, metavar=('TENSORS', 'NAME'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(not args.keep_denormals)
    if args.memory_of:
        print(peak_memory(*args.memory_of, args))
        return
    report_losses(args)
    if not args.skip_steps:
        report_steps(args)


if __name__ == '__main__':
    main()
