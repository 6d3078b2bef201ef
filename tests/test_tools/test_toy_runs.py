"""tools/analysis/toy_runs.py reads the last validation metric of a run."""
import json
import os
import os.path as osp
import sys

from conftest import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
from toy_runs import final_metric  # noqa: E402


def _scalars(work_dir, timestamp, records):
    folder = osp.join(work_dir, timestamp, 'vis_data')
    os.makedirs(folder)
    with open(osp.join(folder, 'scalars.json'), 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in records)


def test_final_metric_is_the_last_logged_in_the_last_run(tmp_path):
    work_dir = str(tmp_path)
    _scalars(work_dir, '20260101_000000', [{'mIoU': 50.0, 'step': 300}])
    _scalars(work_dir, '20260102_000000', [
        {'loss': 1.0, 'iter': 10},
        {'mIoU': 60.0, 'step': 100},
        {'mIoU': 64.12999725341797, 'step': 300},
    ])
    assert final_metric(work_dir) == 'mIoU 64.13'


def test_final_metric_says_when_there_is_none(tmp_path):
    _scalars(str(tmp_path), '20260101_000000', [{'loss': 1.0, 'iter': 1}])
    assert final_metric(str(tmp_path)).startswith('no metric')
