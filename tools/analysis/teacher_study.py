"""One student, distilled from differently prepared teachers, over seeds.

    python tools/analysis/teacher_study.py [--tasks det seg] [--seeds 0 1 2]
        [--teachers plain magnitude prue label-smoothing]
        [--methods CWD AKD-CWD] [--sparsity 0.5] [--finetune-iters 200]

For toy COCO detection and toy Cityscapes segmentation, the student of
``make demo`` is distilled with CWD and with AKD-CWD (their toy configs,
300 iterations like the demo) from four teachers of the same architecture:

- ``plain``: the demo's teacher (800 iterations, trained first if absent);
- ``magnitude`` and ``prue``: that teacher pruned by ``--sparsity``
  (global) with ``tools/prepare_teacher.py``, then fine-tuned for
  ``--finetune-iters`` keeping its zeros;
- ``label-smoothing``: the same architecture trained for 800 iterations
  with label smoothing 0.1 (``configs/label-smoothing/``), beside the
  demo's runs, where ``seed_study.py`` trains and reuses it too.

Each run is ``tools/prune_distill_chain.py --criterion none`` with the
prepared teacher, which also evaluates the student's fidelity to its
teacher and its calibration. Work goes to ``work_dirs/teacher_study/``,
finished runs are reused, and a markdown table per task gives mean,
sample std and per-seed values of the metric, top-1 agreement, KL and ECE.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from akd.tooling.tool_runs import (ROOT, Run, run_tool, schedule,  # noqa: E402
                                   train)
from demo import TASKS  # noqa: E402
from seed_study import CWD_CONFIGS  # noqa: E402

STUDY = osp.join('work_dirs', 'teacher_study')
METHODS = {
    'CWD': CWD_CONFIGS,
    'AKD-CWD': {
        'det': 'configs/akd/akd-cwd_fpn_retina-r18-w32_retina-r18-w16_'
               'toy-coco.py',
        'seg': 'configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-'
               'w16-d8_toy-cityscapes.py',
    },
}
LS_TEACHERS = {
    'det': 'configs/label-smoothing/ls_retinanet_r18-w32_fpn_toy-coco.py',
    'seg': 'configs/label-smoothing/ls_pspnet_r18-w32-d8_toy-cityscapes.py',
}
TEACHERS = ('plain', 'magnitude', 'prue', 'label-smoothing')
COLUMNS = ('fidelity/top1_agreement', 'fidelity/kl')


def prepared_teacher(name: str, task_key: str, task, args) -> str:
    """The checkpoint of teacher ``name`` for ``task``, made if absent."""
    plain = train(task.teacher)
    if name == 'plain':
        return plain
    if name == 'label-smoothing':
        return train(Run(LS_TEACHERS[task_key], task.teacher.iters))
    work_dir = osp.join(STUDY, 'teachers', f'{task_key}-{name}-'
                        f'{args.sparsity}')
    teacher = osp.join(work_dir, 'teacher.pth')
    if not osp.isfile(teacher):
        os.makedirs(osp.dirname(work_dir), exist_ok=True)
        run_tool(['tools/prepare_teacher.py', task.teacher.config, plain,
                  '--criterion', name, '--sparsity', args.sparsity,
                  '--work-dir', work_dir, '--finetune', '--',
                  '--cfg-options', *schedule(args.finetune_iters)],
                 f'{work_dir}.log')
    return teacher


def distil(teacher_ckpt: str, config: str, work_dir: str, seed: int,
           iters: int, task_metric: str) -> dict:
    """The chain's evaluation metrics of one distillation run (a detector
    that detects nothing has ``task_metric`` 0)."""
    metrics = osp.join(work_dir, 'evaluate', 'metrics.json')
    if not osp.isfile(metrics):
        os.makedirs(osp.dirname(work_dir), exist_ok=True)
        run_tool(['tools/prune_distill_chain.py', config, teacher_ckpt,
                  '--criterion', 'none', '--work-dir', work_dir, '--',
                  '--cfg-options', f'randomness.seed={seed}',
                  *schedule(iters)], f'{work_dir}.log')
    with open(metrics) as f:
        return {task_metric: 0.0, **json.load(f)}


def cell(values: list, digits: int) -> str:
    """``mean +- sample std (per-seed values)``."""
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    per_seed = ', '.join(f'{v:.{digits}f}' for v in values)
    mean = statistics.mean(values)
    return f'{mean:.{digits}f} +- {std:.{digits}f} ({per_seed})'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', default=['det', 'seg'],
                        choices=['det', 'seg'])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--teachers', nargs='+', default=list(TEACHERS),
                        choices=TEACHERS)
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    parser.add_argument('--sparsity', default='0.5')
    parser.add_argument('--finetune-iters', type=int, default=200)
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    tables = []
    for task_key, task in zip(('det', 'seg'), TASKS):
        if task_key not in args.tasks:
            continue
        lines = [f'{task.title} (student {task.student.name}), '
                 f'seeds {args.seeds}, {task.student.iters} iterations:', '',
                 f'| teacher | method | {task.metric} | top-1 agreement | '
                 'KL(teacher, student) | ECE |', '|---|---|---|---|---|---|']
        for teacher in args.teachers:
            ckpt = prepared_teacher(teacher, task_key, task, args)
            for method in args.methods:
                runs = [
                    distil(ckpt, METHODS[method][task_key],
                           osp.join(STUDY, task_key, teacher, method,
                                    f'seed{seed}'), seed, task.student.iters,
                           task.metric)
                    for seed in args.seeds
                ]
                ece = next(k for k in runs[0] if k.startswith('calibration/'))
                cells = [cell([r[key] for r in runs], 3)
                         for key in (task.metric, *COLUMNS, ece)]
                lines.append(f'| {teacher} | {method} | ' + ' | '.join(cells)
                             + ' |')
        tables.append('\n'.join(lines))
    print('\n\n'.join(tables))


if __name__ == '__main__':
    main()
