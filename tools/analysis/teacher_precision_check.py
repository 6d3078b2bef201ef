"""Does a half-precision teacher change the distillation loss?

Trains one config with its own optimizer (and gradient clipping) from
random weights on fixed random batches, the teacher in float32. At every
iteration the summed distillation loss is also computed, on the same
student and with the same random state, from the teacher in ``--dtype``
(and ``channels_last`` if asked). Prints both per iteration, their relative
difference, and the largest. The issue's bar is 1% over 50 iterations.

    python tools/analysis/teacher_precision_check.py CONFIG [--device cuda]
        [--dtype bfloat16] [--channels-last] [--iters 50] [--batch 2]
        [--size H W] [--lr LR]
"""
import argparse
import copy
import os.path as osp
import sys
from typing import List, Tuple

import torch
from mmengine.optim import build_optim_wrapper

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from akd.algorithms.teacher_forward import DTYPES  # noqa: E402
from benchmark_distill import Bench, default_size, load_config  # noqa: E402


def _distill_loss(losses: dict) -> float:
    return sum(v.item() for k, v in losses.items()
               if k.startswith('distill.') and 'loss' in k)


def compare(args) -> List[Tuple[float, float]]:
    """(float32 teacher, half teacher) distillation loss per iteration."""
    cfg = load_config(args.config, None)
    if args.lr is not None:
        cfg.optim_wrapper.optimizer.lr = args.lr
    size = tuple(args.size) if args.size else default_size(cfg)
    bench = Bench(cfg, args.batch, size, args.device, amp=False)
    model, policy = bench.model, bench.model.teacher_forward
    policy.channels_last = args.channels_last
    policy.prepare(model)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    batches = [(bench.inputs, bench.samples)]
    generator = torch.Generator().manual_seed(1)
    for _ in range(args.batches - 1):
        noise = torch.randn(bench.inputs.shape, generator=generator)
        batches.append((bench.inputs + 0.1 * noise.to(args.device),
                        copy.deepcopy(bench.samples)))
    pairs = []
    for step in range(args.iters):
        inputs, samples = batches[step % len(batches)]
        state = torch.get_rng_state()  # the same student dropout masks
        policy.dtype, policy.dtype_on_cpu = DTYPES[args.dtype], True
        with torch.no_grad():
            half = _distill_loss(model.loss(inputs, samples))
        torch.set_rng_state(state)
        policy.dtype = None
        losses = model.loss(inputs, samples)
        optim_wrapper.update_params(model.parse_losses(losses)[0])
        pairs.append((_distill_loss(losses), half))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--dtype', default='bfloat16',
                        choices=['bfloat16', 'float16'])
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--iters', type=int, default=50)
    parser.add_argument('--batches', type=int, default=4,
                        help='fixed batches, cycled')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'))
    parser.add_argument('--lr', type=float,
                        help="default: the config's optimizer's")
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pairs = compare(args)
    print('| iteration | float32 teacher | '
          f'{args.dtype} teacher | relative difference |')
    print('|---:|---:|---:|---:|')
    worst = 0.0
    for step, (ref, got) in enumerate(pairs, 1):
        diff = abs(got - ref) / max(abs(ref), 1e-12)
        worst = max(worst, diff)
        print(f'| {step} | {ref:.6g} | {got:.6g} | {diff:.2e} |')
    print(f'\nlargest relative difference over {args.iters} iterations: '
          f'{worst:.2e} ({args.config}, {args.dtype}, channels_last='
          f'{args.channels_last}, device={args.device})')


if __name__ == '__main__':
    main()
