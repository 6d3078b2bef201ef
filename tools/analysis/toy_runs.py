"""Train configs on the toy sets one after another and tabulate their metric.

    python tools/analysis/toy_runs.py CONFIG [CONFIG ...]
        [--work-dir work_dirs/toy_runs] [--takd]

Each config trains with ``tools/train.py`` into ``WORK_DIR/<config name>``
(a finished run, one with ``last_checkpoint``, is reused) and the final
validation metric (toy COCO bbox mAP, or toy Cityscapes mIoU) is printed as
a markdown table with the wall time; each run's output goes to
``WORK_DIR/<config name>.log``. ``--takd`` treats the configs as one
``tools/takd_chain.py`` chain instead.
"""
import argparse
import glob
import json
import os
import os.path as osp
import time

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
from akd.tooling.tool_runs import run_tool

METRICS = ('coco/bbox_mAP', 'mIoU')


def final_metric(work_dir: str) -> str:
    """The last validation metric logged in ``work_dir``'s scalars."""
    found = None
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                for key in METRICS:
                    if key in record:
                        found = f'{key} {round(record[key], 3)}'
    return found or 'no metric (see the log)'


def run(args: list, work_dir: str) -> str:
    """Run a tool (demo's ``run_tool``, from the repo root: paths absolute)
    unless ``work_dir`` holds a finished run, logging to ``<work_dir>.log``;
    return the wall time."""
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        return 'reused'
    os.makedirs(osp.dirname(osp.abspath(work_dir)), exist_ok=True)
    start = time.time()
    run_tool(args, f'{work_dir}.log')
    return f'{(time.time() - start) / 60:.1f} min'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--work-dir', default='work_dirs/toy_runs')
    parser.add_argument('--takd', action='store_true',
                        help='the configs are the steps of one TAKD chain')
    args = parser.parse_args(argv)
    rows = []
    if args.takd:
        chain_dir = osp.join(args.work_dir,
                             osp.splitext(osp.basename(args.configs[0]))[0])
        wall = run([
            'tools/takd_chain.py', *map(osp.abspath, args.configs),
            '--work-dir', osp.abspath(chain_dir)
        ], osp.join(chain_dir, f'step{len(args.configs)}'))
        for index, config in enumerate(args.configs):
            step = osp.join(chain_dir, f'step{index + 1}')
            rows.append((config, final_metric(step), wall))
    else:
        for config in args.configs:
            work_dir = osp.join(args.work_dir,
                                osp.splitext(osp.basename(config))[0])
            wall = run([
                'tools/train.py',
                osp.abspath(config), '--work-dir',
                osp.abspath(work_dir)
            ], work_dir)
            rows.append((config, final_metric(work_dir), wall))
    print('| config | final metric | wall time |\n|---|---|---|')
    for config, metric, wall in rows:
        print(f'| `{config}` | {metric} | {wall} |')


if __name__ == '__main__':
    main()
