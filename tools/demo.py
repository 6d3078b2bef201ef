"""`make demo`: teacher, plain student and distilled student on toy data.

For toy COCO detection (RetinaNet, CWD on FPN) and toy Cityscapes
segmentation (PSPNet, CWD on logits): generate the data if absent, train the
teacher, the plain student and the CWD-distilled student, evaluate the three,
and print one table. Runs go to work_dirs/demo/<config>/; a run whose final
checkpoint exists is reused, and so are metrics newer than the checkpoint, so
a second `make demo` only prints the table.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
from dataclasses import dataclass

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
WORK = osp.join('work_dirs', 'demo')
PROGRESS_MARKS = ('Iter(train)', 'Iter(val)', 'Error', 'error:')


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


@dataclass
class Task:
    title: str
    metric: str
    teacher: Run
    student: Run
    distilled: Run


TASKS = [
    Task('toy COCO detection', 'coco/bbox_mAP',
         Run('configs/toy_models/retinanet_r18-w32_fpn_toy-coco.py', 800),
         Run('configs/toy_models/retinanet_r18-w16_fpn_toy-coco.py', 300),
         Run('configs/cwd/cwd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py',
             300)),
    Task('toy Cityscapes segmentation', 'mIoU',
         Run('configs/toy_models/pspnet_r18-w32-d8_toy-cityscapes.py', 800),
         Run('configs/toy_models/pspnet_r18-w16-d8_toy-cityscapes.py', 300),
         Run('configs/cwd/cwd_logits_'
             'pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py', 300)),
]


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


def main():
    os.chdir(ROOT)
    os.makedirs(WORK, exist_ok=True)
    run_tool(['tools/make_toy_data.py'], osp.join(WORK, 'make_toy_data.log'))
    rows = []
    for task in TASKS:
        print(f'\n[demo] === {task.title} ===', flush=True)
        runs = dict(teacher=task.teacher, student=task.student,
                    distilled=task.distilled)
        checkpoints = dict(teacher=train(task.teacher),
                           student=train(task.student))
        checkpoints['distilled'] = train(
            task.distilled, [f'model.teacher_ckpt={checkpoints["teacher"]}'])
        scores = {
            role: evaluate(run, checkpoints[role])[task.metric]
            for role, run in runs.items()
        }
        rows.append((task, scores))
    print_table(rows)


def print_table(rows) -> None:
    header = (f'| {"task":<28} | {"metric":<13} | {"teacher":>7} | '
              f'{"student":>7} | {"CWD student":>11} |')
    rule = '|'.join('-' * len(cell) for cell in header.split('|')[1:-1])
    lines = [header, f'|{rule}|']
    for task, s in rows:
        lines.append(
            f'| {task.title:<28} | {task.metric:<13} | '
            f'{s["teacher"]:>7.3f} | {s["student"]:>7.3f} | '
            f'{s["distilled"]:>11.3f} |')
    schedules = '; '.join(
        f'{task.title}: teacher {task.teacher.iters} iterations, students '
        f'{task.student.iters}' for task, _ in rows)
    print('\n[demo] results on the toy data (CPU):\n' + '\n'.join(lines) +
          f'\n({schedules})')


if __name__ == '__main__':
    main()
