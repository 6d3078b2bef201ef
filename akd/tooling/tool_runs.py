"""Running akd's tools from other tools: a training run reused once its
final checkpoint exists, ``tools/test.py``'s metrics of a checkpoint, and a
config with extra test metrics. Shared by ``make demo`` and the studies
under tools/analysis/."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
from dataclasses import dataclass

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
WORK = osp.join('work_dirs', 'demo')
PROGRESS_MARKS = ('Iter(train)', 'Iter(val)', 'Error', 'error:')
TASK_METRICS = {'mmseg': 'mIoU', 'mmdet': 'coco/bbox_mAP'}
RESPONSE_METRICS = {
    'mmseg': 'mmrazor.SegResponseMetric',
    'mmdet': 'mmrazor.DetResponseMetric'
}


@dataclass
class Run:
    config: str
    iters: int
    root: str = WORK

    @property
    def name(self) -> str:
        return osp.splitext(osp.basename(self.config))[0]

    @property
    def work_dir(self) -> str:
        return osp.join(self.root, self.name)


def run_tool(args: list, log_path: str) -> None:
    """Run a tool, keep its whole output in ``log_path``, show progress."""
    print(f'[demo] $ {" ".join(args)}   (log: {log_path})', flush=True)
    with open(log_path, 'w') as log:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            log.write(line)
            if any(mark in line for mark in PROGRESS_MARKS):
                print('   ', line.strip()[:150], flush=True)
    if process.wait() != 0:
        sys.exit(f'[demo] failed: {" ".join(args)}; see {log_path}')


def schedule(iters: int) -> list:
    """``--cfg-options`` that train a toy config for ``iters`` iterations,
    validating and saving at the end."""
    return [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
        f'default_hooks.checkpoint.interval={iters}',
        f'param_scheduler.1.end={iters}'
    ]


def train(run: Run, extra: list = ()) -> str:
    """Train ``run`` unless its final checkpoint exists; return that path."""
    final = osp.join(run.work_dir, 'final.pth')
    if osp.isfile(final):
        print(f'[demo] reusing {final}')
        return final
    os.makedirs(run.work_dir, exist_ok=True)
    run_tool(['tools/train.py', run.config, '--work-dir', run.work_dir,
              '--cfg-options', *schedule(run.iters), *extra],
             osp.join(run.work_dir, 'train.log'))
    shutil.copyfile(osp.join(run.work_dir, f'iter_{run.iters}.pth'), final)
    return final


def evaluate(run: Run, checkpoint: str, peer: str = '') -> dict:
    """Test ``checkpoint`` (the online distillation's ``peer`` if given),
    unless metrics newer than it were kept."""
    suffix = f'_{peer}' if peer else ''
    metrics_path = osp.join(run.work_dir, f'metrics{suffix}.json')
    fresh = (osp.isfile(metrics_path)
             and osp.getmtime(metrics_path) > osp.getmtime(checkpoint))
    if not fresh:
        os.makedirs(run.work_dir, exist_ok=True)
        run_tool(['tools/test.py', run.config, checkpoint, '--work-dir',
                  run.work_dir, '--metrics-json', metrics_path,
                  *(['--peer', peer] if peer else [])],
                 osp.join(run.work_dir, f'test{suffix}.log'))
    with open(metrics_path) as f:
        return json.load(f)


def model_config(cfg_path: str) -> Config:
    """The config of a ``cfg_path``: a file, or ``mmdet::``/``mmseg::``."""
    if '::' in cfg_path:
        from mmengine.hub import get_config
        return get_config(cfg_path)
    return Config.fromfile(cfg_path)


def with_test_metrics(config: str, out_dir: str, metrics: dict) -> tuple:
    """``config`` with ``metrics[scope]`` (a list of metric configs, for
    its mmseg or mmdet scope) after its test metric, written under
    ``out_dir``; and its task metric's key."""
    cfg = Config.fromfile(config)
    scope = cfg.get('default_scope')
    if scope == 'mmrazor':  # a distillation: its student's scope
        scope = model_config(cfg.model.architecture.cfg_path).get(
            'default_scope')
    if scope not in metrics:
        sys.exit(f'error: {config} has default_scope={scope!r}: an mmseg or '
                 'mmdet config (or a distillation of such models) is needed.')
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, list):
        evaluators = [evaluators]
    cfg.test_evaluator = [*evaluators, *metrics[scope]]
    path = osp.join(out_dir, 'configs', osp.basename(config))
    os.makedirs(osp.dirname(path), exist_ok=True)
    cfg.dump(path)
    return path, TASK_METRICS[scope]


def with_response_metric(config: str, out_dir: str) -> tuple:
    """``config`` with its response metric; and its task metric's key."""
    return with_test_metrics(
        config, out_dir,
        {scope: [dict(type=t)] for scope, t in RESPONSE_METRICS.items()})


def checkpoint_metrics(config: str, checkpoint: str, work_dir: str,
                       task_metric: str, data_root: str = None) -> dict:
    """``tools/test.py``'s metrics of ``checkpoint``, its output kept in
    ``work_dir``. A detector that detects nothing gets ``task_metric`` 0
    (mmdet's ``CocoMetric`` then reports no mAP at all)."""
    os.makedirs(work_dir, exist_ok=True)
    metrics_json = osp.join(work_dir, 'metrics.json')
    command = ['tools/test.py', config, osp.abspath(checkpoint),
               '--work-dir', work_dir, '--metrics-json', metrics_json]
    if data_root:
        command += ['--data-root', data_root]
    run_tool(command, osp.join(work_dir, 'test.log'))
    with open(metrics_json) as f:
        metrics = json.load(f)
    metrics.setdefault(task_metric, 0.0)
    return metrics
