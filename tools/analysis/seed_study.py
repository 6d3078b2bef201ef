"""Plain student vs CWD vs AKD-CWD (K=1, K=4; bn, variance) on toy data.

For toy COCO detection (RetinaNet, CWD on FPN) and toy Cityscapes
segmentation (PSPNet, CWD on logits), trains every variant for each seed
with the teachers of `make demo` (trained first if absent), evaluates it and
prints a markdown table of mean, sample std and the per-seed values. Runs go
to work_dirs/seed_study/<variant>/seed<S>/ and are reused like the demo's.

    python tools/analysis/seed_study.py [--seeds 0 1 2] [--tasks det seg]
"""
import argparse
import os
import os.path as osp
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from demo import ROOT, TASKS, Run, evaluate, train  # noqa: E402

STUDY = osp.join('work_dirs', 'seed_study')
AKD_CONFIGS = {
    'det': 'configs/akd/akd-cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py',
    'seg': 'configs/akd/akd-cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
           'toy-cityscapes.py',
}
AKD_LOSS = 'model.distiller.distill_losses.loss_akd'
NUM_AVATARS = f'{AKD_LOSS}.num_avatars'
UNCERTAINTY = f'{AKD_LOSS}.uncertainty'


def variants(task_key: str, task) -> dict:
    """name -> (config, extra cfg-options) of the compared runs."""
    akd = AKD_CONFIGS[task_key]
    return {
        'student': (task.student.config, []),
        'CWD': (task.distilled.config, []),
        'AKD-CWD K=1 bn': (akd, [f'{NUM_AVATARS}=1', f'{UNCERTAINTY}=bn']),
        'AKD-CWD K=4 bn': (akd, [f'{NUM_AVATARS}=4', f'{UNCERTAINTY}=bn']),
        'AKD-CWD K=4 variance': (
            akd, [f'{NUM_AVATARS}=4', f'{UNCERTAINTY}=variance']),
    }


def run_variant(name: str, config: str, options: list, seed: int,
                teacher_ckpt: str, iters: int) -> tuple:
    """Train one variant for one seed; return its Run and checkpoint."""
    root = osp.join(STUDY, name.replace(' ', '_').replace('=', ''),
                    f'seed{seed}')
    run = Run(config, iters, root=root)
    extra = [f'randomness.seed={seed}', *options]
    if 'toy_models' not in config:
        extra.append(f'model.teacher_ckpt={teacher_ckpt}')
    return run, train(run, extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--tasks', nargs='+', default=['det', 'seg'],
                        choices=['det', 'seg'])
    args = parser.parse_args()
    os.chdir(ROOT)
    tables = []
    for task_key, task in zip(('det', 'seg'), TASKS):
        if task_key not in args.tasks:
            continue
        teacher_ckpt = train(task.teacher)
        rows = []
        for name, (config, options) in variants(task_key, task).items():
            scores = []
            for seed in args.seeds:
                run, ckpt = run_variant(name, config, options, seed,
                                        teacher_ckpt, task.student.iters)
                scores.append(evaluate(run, ckpt)[task.metric])
            rows.append((name, scores))
        tables.append(format_table(task, rows, args.seeds))
    print('\n\n'.join(tables))


def format_table(task, rows, seeds) -> str:
    lines = [f'{task.title}, {task.metric}, seeds {seeds}, '
             f'{task.student.iters} iterations:', '',
             '| variant | mean | std | per seed |', '|---|---:|---:|---|']
    for name, scores in rows:
        std = statistics.stdev(scores) if len(scores) > 1 else 0.0
        per_seed = ', '.join(f'{s:.3f}' for s in scores)
        lines.append(f'| {name} | {statistics.mean(scores):.3f} | '
                     f'{std:.3f} | {per_seed} |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
