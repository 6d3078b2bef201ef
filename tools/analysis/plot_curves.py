"""Plot training runs' curves against iteration, several runs overlaid.

    python tools/analysis/plot_curves.py WORK_DIR [WORK_DIR ...]
        [--labels A B ...] [--metric mIoU] [--out PNG]

Each ``WORK_DIR`` is a ``tools/train.py`` work dir; its scalars are the
``<timestamp>/vis_data/scalars.json`` files that mmengine writes (a resumed
run's in order). Panels, each left out when no run has it:

- task losses: the logged losses outside ``distill.`` (not the total);
- distillation losses: the ``distill.*loss*`` entries;
- AKD statistics: ``distill.akd_uncertainty`` and
  ``distill.akd_weight_spread``;
- the validation metric (``--metric``; by default ``mIoU`` or
  ``coco/bbox_mAP``, whichever was logged).

A run keeps one colour in every panel; a panel's curves differ by line
style. Written to ``--out`` (default ``WORK_DIR/curves.png`` of the first).
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Tuple

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

TASK_METRICS = ('mIoU', 'coco/bbox_mAP')
AKD_STATISTICS = ('distill.akd_uncertainty', 'distill.akd_weight_spread')
LINE_STYLES = ('-', '--', ':', '-.')

Curves = Dict[str, List[Tuple[int, float]]]


def read_scalars(work_dir: str) -> Tuple[Curves, Curves]:
    """``(training, validation)`` curves of a work dir: ``{key: [(step,
    value), ...]}``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        sys.exit(f'{work_dir!r} has no <timestamp>/vis_data/scalars.json: '
                 'give the --work-dir of a tools/train.py run (its logs are '
                 'written there).')
    training, validation = {}, {}
    for path in files:
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                curves = training if 'iter' in record else validation
                for key, value in record.items():
                    if isinstance(value, (int, float)):
                        curves.setdefault(key, []).append(
                            (record['step'], value))
    return training, validation


def panels(training: Curves, validation: Curves,
           metric: str) -> Dict[str, List[str]]:
    """``{panel title: keys}`` of one run's curves."""
    losses = [k for k in training if 'loss' in k and k != 'loss']
    metric = metric or next((m for m in TASK_METRICS if m in validation),
                            '')
    return {
        'task losses': [k for k in losses if not k.startswith('distill.')],
        'distillation losses': [k for k in losses
                                if k.startswith('distill.')],
        'AKD statistics': [k for k in AKD_STATISTICS if k in training],
        f'validation {metric}': [metric] if metric in validation else [],
    }


def plot_curves(work_dirs: List[str], labels: List[str], metric: str,
                out: str) -> List[str]:
    """Write the PNG; return its panels' titles."""
    runs = [read_scalars(d) for d in work_dirs]
    titles = {}
    for training, validation in runs:
        for title, keys in panels(training, validation, metric).items():
            titles.setdefault(title, [])
            titles[title] += [k for k in keys if k not in titles[title]]
    titles = {t: keys for t, keys in titles.items() if keys}
    figure = Figure(figsize=(5 * max(len(titles), 1), 4))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, max(len(titles), 1), squeeze=False)[0]
    for ax, (title, keys) in zip(axes, titles.items()):
        for colour, (label, (training, validation)) in enumerate(
                zip(labels, runs)):
            curves = validation if title.startswith('validation') else training
            for style, key in zip(LINE_STYLES * len(keys), keys):
                if key in curves:
                    steps, values = zip(*curves[key])
                    ax.plot(steps, values, style, color=f'C{colour}',
                            marker='o' if len(steps) < 5 else None,
                            label=f'{label}: {key}')
        ax.set(title=title, xlabel='iteration')
        ax.legend(fontsize='small')
    figure.tight_layout()
    figure.savefig(out, dpi=100)
    return list(titles)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR')
    parser.add_argument('--labels', nargs='+')
    parser.add_argument('--metric', default='')
    parser.add_argument('--out')
    args = parser.parse_args(argv)
    labels = args.labels or [osp.basename(osp.normpath(d))
                             for d in args.work_dirs]
    if len(labels) != len(args.work_dirs):
        parser.error(f'--labels gives {len(labels)} names for '
                     f'{len(args.work_dirs)} work dirs: give one per dir.')
    out = args.out or osp.join(args.work_dirs[0], 'curves.png')
    titles = plot_curves(args.work_dirs, labels, args.metric, out)
    print(f'{", ".join(titles)}: written to {out}')


if __name__ == '__main__':
    main()
