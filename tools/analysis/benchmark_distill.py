"""Time and peak memory of a distillation step against its lower bound.

A distillation step cannot cost less than (a) the student's own step
(``loss`` + backward) plus (b) a teacher forward that goes just as far as
its recorders need. For each config, with random weights on a random batch,
this prints in one interleaved run the median time and peak memory of:

- (a) the student's step;
- (b) the teacher forward akd runs (``model.teacher_forward``, resolved on
  one step first);
- (c) MMRazor's step, its own ``loss`` (``SingleTeacherDistill.loss``:
  the teacher in ``loss`` mode; ``FpnTeacherDistill.loss`` where the config
  sets ``teacher_forward='extract_feat'``), teacher in float32;
  none for algorithms MMRazor lacks (``has_mmrazor_step = False``, such as
  ``CrossKDDistill``);
- (d) akd's step;
- (e) the distillation losses alone (connectors, losses and their
  backward, on records of one step), what d adds to a+b at the least;

and the ratios c/(a+b), d/(a+b), c/d and d/(a+b+e). Algorithms without a
teacher (``SelfDistill``, ``FRSKDDistill``) get (a) and (d) only, and d/a.
Peak memory is the CUDA allocator's peak above the part's start, or on CPU the
peak resident set above the part's start, each part in a fresh process that
returns freed blocks to the system (so its start is its live data).
``--scaling`` repeats each row for batch 1/2/4, input 0.5x/1x and, for
AKD configs, K = 1/4/8 avatars. ``--per-avatar-too`` adds to each AKD
config a row with ``one_pass=False``: one base-loss call per avatar, the
cost without the one-pass forms, measured beside them. ``--profile N``
prints, under each row, the N operators that took the most self time in
(e) over ``--iters`` rounds (``torch.profiler``): where the losses' time
goes.

    python tools/analysis/benchmark_distill.py CONFIG... [--batch B]
        [--device cpu|cuda] [--size H W] [--iters N] [--scaling] [--amp]
        [--per-avatar-too] [--profile N]
        [--cfg-options model.teacher_dtype=bfloat16 ...]
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from akd.tooling.process_memory import status_kib

PARTS = ('a', 'b', 'c', 'd', 'e')
AKD_OPTIONS = ('teacher_forward', 'teacher_dtype', 'teacher_dtype_on_cpu',
               'teacher_channels_last')


def load_config(path: str, options: Optional[dict]) -> Config:
    import akd  # noqa: F401  (registers akd; patches MMRazor)
    from akd.tooling.random_weights import without_weights
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    without_weights(cfg)
    return cfg


def default_size(cfg: Config) -> Tuple[int, int]:
    """The config's training input (H, W): its crop, or its resize scale,
    the largest one where the pipeline picks among several."""
    if 'crop_size' in cfg:
        return tuple(cfg.crop_size)
    for transform in cfg.train_dataloader.dataset.get('pipeline', []):
        scales = transform.get('scales', transform.get('scale'))
        if 'Resize' in transform.type and scales:
            if isinstance(scales[0], int):
                scales = [scales]  # one (w, h)
            width, height = max(scales, key=lambda s: s[0] * s[1])
            return height, width
    raise ValueError(f'{cfg.filename}: no crop_size and no Resize scale in '
                     'the train pipeline; give --size H W.')


def avatar_losses(cfg: Config) -> List[dict]:
    losses = cfg.model.get('distiller', {}).get('distill_losses', {})
    return [loss for loss in losses.values()
            if loss.get('type') == 'AvatarKDLoss']


class Bench:
    """One config built twice, as akd runs it and as MMRazor would, with
    the same random weights, and one batch on ``device``."""

    def __init__(self, cfg: Config, batch_size: int, size: Tuple[int, int],
                 device: str, amp: bool) -> None:
        from mmrazor.models.algorithms import (FpnTeacherDistill,
                                               SingleTeacherDistill)
        from mmrazor.registry import MODELS

        from akd.tooling.synthetic_batch import (add_crd_indices, det_batch,
                                                 seg_batch)
        self.device, self.amp = device, amp
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            torch.manual_seed(0)
            self.model = MODELS.build(cfg.model).to(device).train()
            self.distills = isinstance(self.model, SingleTeacherDistill)
            if self.distills:
                mmrazor_cfg = cfg.model.copy()
                for key in AKD_OPTIONS:
                    mmrazor_cfg.pop(key, None)
                torch.manual_seed(0)
                self.mmrazor = MODELS.build(mmrazor_cfg).to(device).train()
                # MMRazor's own step, run on the same modules
                fpn = cfg.model.get('teacher_forward') == 'extract_feat'
                self.mmrazor_loss = (FpnTeacherDistill if fpn else
                                     SingleTeacherDistill).loss
            student = self.model.architecture
            if hasattr(student, 'decode_head'):
                inputs, samples = seg_batch(batch_size, size)
            else:
                inputs, samples = det_batch(student, batch_size, size)
            add_crd_indices(cfg, samples)
        self.inputs = inputs.to(device)
        self.samples = [sample.to(device) for sample in samples]
        self._record_leaves, self._student_records = [], {}
        if self.distills:
            self.run('d')  # resolves teacher_forward='auto'
            self._keep_records()

    def _keep_records(self) -> None:
        """Keep the student's records of one more step as leaves, for (e)
        to run the losses and their backward alone."""
        with torch.autocast(self.device, enabled=self.amp):
            self.model.loss(self.inputs, self.samples)
        recorders = self.model.distiller.student_recorders.recorders
        self._student_records = {
            name: [self._leaf(record) for record in recorder.data_buffer]
            for name, recorder in recorders.items()
        }

    def _restore_records(self) -> None:
        """Put the kept student records back (each step (d) refills the
        recorders; the teacher's records it leaves are equal ones)."""
        recorders = self.model.distiller.student_recorders.recorders
        for name, records in self._student_records.items():
            recorders[name].data_buffer[:] = records

    def _leaf(self, record):
        if isinstance(record, (list, tuple)):
            return type(record)(self._leaf(r) for r in record)
        if isinstance(record, torch.Tensor) and record.is_floating_point():
            leaf = record.detach().requires_grad_()
            self._record_leaves.append(leaf)
            return leaf
        return record

    def parts(self) -> Tuple[str, ...]:
        if not self.distills:
            return ('a', 'd')
        if not getattr(type(self.model), 'has_mmrazor_step', True):
            return tuple(part for part in PARTS if part != 'c')
        return PARTS

    def run(self, part: str) -> None:
        """One step of ``part``; gradients are dropped, weights kept."""
        batch = (self.inputs, self.samples)
        with torch.autocast(self.device, enabled=self.amp):
            if part == 'a':
                self._backward(self.model, self.model.architecture(
                    *batch, mode='loss'))
            elif part == 'b':
                policy = self.model.teacher_forward
                policy.run_mode(self.model, policy.mode, *batch)
            elif part == 'c':
                self._backward(self.mmrazor,
                               self.mmrazor_loss(self.mmrazor, *batch))
            elif part == 'd':
                self._backward(self.model, self.model.loss(*batch))
            else:
                self._restore_records()
                self._backward(self.model,
                               self.model.distiller.compute_distill_losses())
                for leaf in self._record_leaves:
                    leaf.grad = None
        if self.device == 'cuda':
            torch.cuda.synchronize()

    @staticmethod
    def _backward(model, losses: dict) -> None:
        loss, _ = model.parse_losses(losses)
        loss.backward()
        model.zero_grad(set_to_none=True)


def time_parts(bench: Bench, iters: int) -> Dict[str, float]:
    """Median seconds of each part over ``iters`` interleaved rounds, after
    one round of warm-up."""
    times = {part: [] for part in bench.parts()}
    for round_ in range(iters + 1):
        for part in times:
            start = time.perf_counter()
            bench.run(part)
            if round_:
                times[part].append(time.perf_counter() - start)
    return {part: statistics.median(t) for part, t in times.items()}


def cuda_peak(bench: Bench, part: str) -> float:
    """MiB the CUDA allocator held above the part's start, at its peak."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = torch.cuda.memory_allocated()
    bench.run(part)
    return (torch.cuda.max_memory_allocated() - start) / 2**20


def cpu_peak(bench: Bench, part: str) -> float:
    """MiB of resident memory above the part's start, at its peak (Linux:
    VmHWM, reset through /proc/self/clear_refs)."""
    bench.run(part)  # warm-up: lazy buffers, the first step's allocations
    with open('/proc/self/clear_refs', 'w') as refs:
        refs.write('5')  # VmHWM := VmRSS
    start = status_kib('VmRSS')
    bench.run(part)
    return (status_kib('VmHWM') - start) / 1024


def peaks(setting: dict, args) -> Dict[str, float]:
    """Each part's peak: on CUDA here, on CPU each in a fresh process."""
    if args.device == 'cuda':
        bench = make_bench(setting, args)
        return {part: cuda_peak(bench, part) for part in bench.parts()}
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536',
               MALLOC_TRIM_THRESHOLD_='0')  # freed blocks go back at once
    result = {}
    for part in PARTS[:4]:
        cmd = [sys.executable, __file__, '--peak-of', json.dumps(setting),
               part, '--threads', str(args.threads)]
        if args.amp:
            cmd.append('--amp')
        out = subprocess.run(cmd, check=True, capture_output=True,
                             text=True, env=env).stdout.strip()
        if out.splitlines()[-1] != 'none':
            result[part] = float(out.splitlines()[-1])
    return result


def setting_config(setting: dict) -> Config:
    """The config of a row: its AKD losses' K and ``one_pass`` set."""
    cfg = load_config(setting['config'], setting['options'])
    for loss in avatar_losses(cfg):
        loss.num_avatars = setting.get('avatars', loss.num_avatars)
        if 'one_pass' in setting:
            loss.one_pass = setting['one_pass']
    return cfg


def make_bench(setting: dict, args) -> Bench:
    return Bench(setting_config(setting), setting['batch'],
                 tuple(setting['size']), args.device, args.amp)


def settings(path: str, args) -> List[dict]:
    """The base setting, and with ``--scaling`` one factor varied at a
    time."""
    cfg = load_config(path, args.cfg_options)
    size = tuple(args.size) if args.size else default_size(cfg)
    base = dict(config=path, options=args.cfg_options, batch=args.batch,
                size=size, label=f'{size[0]}x{size[1]} x {args.batch}')
    per_avatar = ([dict(base, one_pass=False,
                        label=f'{base["label"]}, one call per avatar')]
                  if args.per_avatar_too and avatar_losses(cfg) else [])
    if not args.scaling:
        return [base] + per_avatar
    rows = [dict(base, batch=b, label=f'batch {b}') for b in (1, 2, 4)]
    half = (size[0] // 2, size[1] // 2)
    rows += [dict(base, size=s, label=f'input {s[0]}x{s[1]}')
             for s in (half, size)]
    if avatar_losses(cfg):
        rows += [dict(base, avatars=k, label=f'K={k}') for k in (1, 4, 8)]
    return rows + per_avatar


def ratio(times: Dict[str, float], top: str,
          bottom: Callable[[Dict[str, float]], float]) -> str:
    try:
        return f'{times[top] / bottom(times):.2f}'
    except KeyError:
        return '—'


def report(path: str, args) -> None:
    print(f'\n### {path}\n')
    print('| setting | a ms | b ms | c ms | d ms | e ms | c/(a+b) | d/(a+b) '
          '| c/d | d/(a+b+e) | a MiB | b MiB | c MiB | d MiB | d/(a+b) MiB |')
    print('|---|' + '---:|' * 14)
    for setting in settings(path, args):
        try:
            bench = make_bench(setting, args)
            times = time_parts(bench, args.iters)
        except (RuntimeError, ValueError) as error:  # e.g. BN at batch 1
            print(f'| {setting["label"]} | cannot run: '
                  f'{str(error).splitlines()[0][:120]} |', flush=True)
            continue
        mode = getattr(getattr(bench.model, 'teacher_forward', None),
                       'mode', None)
        profile = (top_operators(bench, args.iters, args.profile, args.device)
                   if args.profile and 'e' in bench.parts() else '')
        del bench
        memory = peaks(setting, args) if args.memory else {}
        lower = lambda t: t['a'] + t.get('b', 0)  # noqa: E731
        cells = [f'{times[p] * 1e3:.0f}' if p in times else '—'
                 for p in PARTS]
        cells += [ratio(times, 'c', lower), ratio(times, 'd', lower),
                  ratio(times, 'c', lambda t: t['d']),
                  ratio(times, 'd', lambda t: lower(t) + t['e'])]
        cells += [f'{memory[p]:.0f}' if p in memory else '—'
                  for p in PARTS[:4]]
        cells.append(ratio(memory, 'd', lower))
        label = setting['label'] + (f' ({mode})' if mode else '')
        print(f'| {label} | ' + ' | '.join(cells) + ' |', flush=True)
        if profile:
            print(f'\n```text\n{profile}\n```\n', flush=True)


def top_operators(bench: Bench, iters: int, count: int, device: str) -> str:
    """The ``count`` operators with the most self time in (e), over
    ``iters`` rounds."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if device == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as prof:
        for _ in range(iters):
            bench.run('e')
    key = 'self_cuda_time_total' if device == 'cuda' else 'self_cpu_time_total'
    return prof.key_averages().table(sort_by=key, row_limit=count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, nargs=2, metavar=('H', 'W'),
                        help="input size; default: the config's crop or "
                        'resize scale')
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--scaling', action='store_true')
    parser.add_argument('--per-avatar-too', action='store_true',
                        help='add a one_pass=False row to each AKD config')
    parser.add_argument('--amp', action='store_true',
                        help='the steps under autocast, as --amp trains')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='print the N operators taking the most self '
                        'time in (e)')
    parser.add_argument('--no-memory', dest='memory', action='store_false')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--peak-of', nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # as tools/train.py
    # the table shows the teacher forward chosen; keep INFO logs out of it
    MMLogger.get_instance('benchmark_distill', log_level='WARNING')
    if args.peak_of:
        setting, part = json.loads(args.peak_of[0]), args.peak_of[1]
        bench = make_bench(setting, args)
        print(cpu_peak(bench, part) if part in bench.parts() else 'none')
        return
    if not args.configs:
        parser.error('give at least one config')
    print(f'device={args.device}, threads={args.threads}, iters='
          f'{args.iters}, amp={args.amp}, options={args.cfg_options}')
    for path in args.configs:
        if not osp.isfile(path):
            parser.error(f'config {path!r} does not exist')
        report(path, args)


if __name__ == '__main__':
    main()
