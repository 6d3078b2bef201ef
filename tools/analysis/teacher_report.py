"""Compare teacher checkpoints by metric and by how soft their responses are.

    python tools/analysis/teacher_report.py CONFIG CKPT_OR_DIR [...]
        [CONFIG2 CKPT_OR_DIR ...] [--data-root PATH] [--out-dir DIR]

Each checkpoint (``.pth``; a training run's work dir stands for its
``iter_*.pth``, in order) is evaluated with ``tools/test.py`` on the config
given before it (a ``.py`` switches the config for the checkpoints after
it), with a response metric added to ``test_evaluator``
(``SegResponseMetric`` for mmseg, ``DetResponseMetric`` for mmdet). The
report gives, per checkpoint, the task metric (mIoU, or bbox mAP), the mean
entropy, the non-target mass, the normalised non-target entropy and the
class similarity of the responses on the test set (the statistics are
defined in ``akd/evaluation/functional/response_stats.py``). A training
run's ``iter_*.pth`` show how a teacher's responses change as it trains;
differently trained teachers (another batch size, label smoothing, pruning)
show which leaves more to distil. Written to ``DIR``: ``teacher_report.md``,
``teacher_report.json`` and ``teacher_report.png`` (each statistic against
the checkpoints).
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import sys

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
from akd.tooling.tool_runs import checkpoint_metrics, with_response_metric

STATISTICS = ('entropy', 'non_target_mass', 'non_target_entropy',
              'class_similarity')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'entries', nargs='+', metavar='CONFIG_OR_CKPT',
        help='a config, then its checkpoints (or a work dir for its '
        'iter_*.pth); another config, ...')
    parser.add_argument('--data-root', help="the test set's data_root")
    parser.add_argument('--out-dir', default='work_dirs/teacher_report')
    args = parser.parse_args(argv)
    if not args.entries[0].endswith('.py'):
        parser.error(f'the first argument must be a config (.py), got '
                     f'{args.entries[0]!r}')
    return args


def run_checkpoints(work_dir: str) -> list:
    """A training run's ``iter_*.pth``, by iteration."""
    found = glob.glob(osp.join(work_dir, 'iter_*.pth'))
    if not found:
        sys.exit(f'error: {work_dir} has no iter_*.pth checkpoints.')
    return sorted(found, key=lambda p: int(re.findall(r'\d+', osp.basename(
        p))[0]))


def checkpoints_by_config(entries):
    """[(config, checkpoint)] from ``CONFIG CKPT... CONFIG CKPT...``."""
    pairs, config = [], None
    for entry in entries:
        if entry.endswith('.py'):
            config = entry
        elif osp.isdir(entry):
            pairs += [(config, ckpt) for ckpt in run_checkpoints(entry)]
        else:
            pairs.append((config, entry))
    return pairs


def label(checkpoint: str) -> str:
    """``iter_800`` for ``.../iter_800.pth``, else the file's parent/name."""
    name = osp.splitext(osp.basename(checkpoint))[0]
    if re.fullmatch(r'(iter|epoch)_\d+', name):
        return name
    return osp.join(osp.basename(osp.dirname(checkpoint)), name)


def markdown(rows) -> str:
    """The report's rows as a markdown table."""
    lines = ['| checkpoint | metric | ' + ' | '.join(STATISTICS) + ' |',
             '|---|---:|' + '---:|' * len(STATISTICS)]
    for row in rows:
        values = ' | '.join(f'{row[k]:.4f}' for k in STATISTICS)
        lines.append(f'| {row["checkpoint"]} | {row["metric_name"]} '
                     f'{row["metric"]:.4f} | {values} |')
    return '\n'.join(lines)


def plot(rows, path: str) -> None:
    """A PNG with one panel per column, against the checkpoints."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = ['metric', *STATISTICS]
    figure, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3))
    x = range(len(rows))
    for axis, name in zip(axes, names):
        axis.plot(x, [row[name] for row in rows], 'o-')
        axis.set_title(rows[0]['metric_name'] if name == 'metric' else name)
        axis.set_xticks(list(x))
        axis.set_xticklabels([row['checkpoint'][-24:] for row in rows],
                             rotation=45, ha='right', fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    rows, configs = [], {}
    for index, (config, checkpoint) in enumerate(
            checkpoints_by_config(args.entries)):
        if config not in configs:
            configs[config] = with_response_metric(config, args.out_dir)
        report_config, task_metric = configs[config]
        work_dir = osp.join(args.out_dir, f'{index:02d}_{label(checkpoint)}'
                            .replace('/', '_'))
        metrics = checkpoint_metrics(report_config, checkpoint, work_dir,
                                     task_metric, args.data_root)
        rows.append(dict(checkpoint=label(checkpoint), config=config,
                         metric_name=task_metric,
                         metric=metrics[task_metric],
                         **{k: metrics[f'response/{k}'] for k in STATISTICS}))
    table = markdown(rows)
    print(table)
    with open(osp.join(args.out_dir, 'teacher_report.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(args.out_dir, 'teacher_report.json'), 'w') as f:
        json.dump(rows, f, indent=1)
    plot(rows, osp.join(args.out_dir, 'teacher_report.png'))
    print(f'written to {args.out_dir}/teacher_report.{{md,json,png}}')


if __name__ == '__main__':
    main()
