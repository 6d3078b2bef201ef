"""`make demo`: teacher, plain student, a distillation and its AKD twin.

For toy COCO detection (RetinaNet; TCS on P3, toy-tuned) and toy Cityscapes
segmentation (PSPNet; CWD on logits): generate the data if absent, train
the teacher, the plain student, the student distilled by the base method
and by AKD wrapping it, evaluate the four, and print one table beside the
seed-to-seed spread that docs/results.md measured for the same runs. Then
write each task's curves (the two distillations overlaid) and a side-by-side
picture of the teacher's, the student's and the AKD student's predictions,
and say where. Runs go to work_dirs/demo/<config>/; a run whose final
checkpoint exists is reused, and so are metrics newer than the checkpoint,
so a second `make demo` only prints the table.
"""
import glob
import os
import os.path as osp
import re
import statistics
import sys
from dataclasses import dataclass
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from akd.tooling.tool_runs import (ROOT, WORK, Run, evaluate,  # noqa: E402
                                   run_tool, train)

RESULTS = 'docs/results.md'
SPREAD_SECTION = '## Seed spread of the `make demo` rows'
VAL_IMAGES = {'coco/bbox_mAP': 'data/toy_coco/val2017',
              'mIoU': 'data/toy_cityscapes/leftImg8bit/val'}


@dataclass
class Task:
    title: str
    metric: str
    method: str  # the base distillation, wrapped by AKD in ``akd``
    teacher: Run
    student: Run
    base: Run
    akd: Run

    @property
    def students(self) -> Dict[str, Run]:
        """The demo's student rows, by the names docs/results.md uses."""
        return {'student': self.student, self.method: self.base,
                f'AKD-{self.method}': self.akd}


TASKS = [
    Task('toy COCO detection', 'coco/bbox_mAP', 'TCS',
         Run('configs/toy_models/retinanet_r18-w32_fpn_toy-coco.py', 800),
         Run('configs/toy_models/retinanet_r18-w16_fpn_toy-coco.py', 300),
         Run('configs/tcs/tcs_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py',
             300),
         Run('configs/akd/akd-tcs_fpn_retina-r18-w32_retina-r18-w16_'
             'toy-coco.py', 300)),
    Task('toy Cityscapes segmentation', 'mIoU', 'CWD',
         Run('configs/toy_models/pspnet_r18-w32-d8_toy-cityscapes.py', 800),
         Run('configs/toy_models/pspnet_r18-w16-d8_toy-cityscapes.py', 300),
         Run('configs/cwd/cwd_logits_'
             'pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py', 300),
         Run('configs/akd/akd-cwd_logits_'
             'pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py', 300)),
]


def main():
    os.chdir(ROOT)
    os.makedirs(WORK, exist_ok=True)
    run_tool(['tools/make_toy_data.py'], osp.join(WORK, 'make_toy_data.log'))
    rows, pictures = [], []
    for task in TASKS:
        print(f'\n[demo] === {task.title} ===', flush=True)
        teacher = train(task.teacher)
        checkpoints = {'student': train(task.student)}
        for name, run in (('base', task.base), ('akd', task.akd)):
            checkpoints[name] = train(run, [f'model.teacher_ckpt={teacher}'])
        scores = dict(teacher=evaluate(task.teacher, teacher)[task.metric])
        for name, run in (('student', task.student), ('base', task.base),
                          ('akd', task.akd)):
            scores[name] = evaluate(run, checkpoints[name])[task.metric]
        rows.append((task, scores))
        pictures += draw(task, teacher, checkpoints)
    print_table(rows)
    print('\n[demo] pictures:\n' + '\n'.join(f'  {p}' for p in pictures))


def draw(task: Task, teacher: str, checkpoints: Dict[str, str]) -> List[str]:
    """The distillations' curves and the predictions side by side."""
    key = task.title.split()[1].lower()  # coco, cityscapes
    curves = osp.join(WORK, f'curves_{key}.png')
    run_tool(['tools/analysis/plot_curves.py', task.base.work_dir,
              task.akd.work_dir, '--labels', task.method,
              f'AKD-{task.method}', '--out', curves],
             osp.join(WORK, f'curves_{key}.log'))
    akd_student = osp.join(task.akd.work_dir, 'student.pth')
    run_tool(['tools/model_converters/convert_kd_ckpt_to_student.py',
              checkpoints['akd'], akd_student],
             osp.join(task.akd.work_dir, 'convert.log'))
    images = sorted(
        glob.glob(osp.join(VAL_IMAGES[task.metric], '**', '*.*'),
                  recursive=True))[:3]
    predictions = osp.join(WORK, f'predictions_{key}.png')
    run_tool(['tools/analysis/vis_predictions.py', *images,
              '--model', 'teacher', task.teacher.config, teacher,
              '--model', 'student', task.student.config,
              checkpoints['student'],
              '--model', f'AKD-{task.method} student', task.student.config,
              akd_student, '--out', predictions],
             osp.join(WORK, f'predictions_{key}.log'))
    return [curves, predictions]


def print_table(rows) -> None:
    header = (f'| {"task":<28} | {"metric":<13} | {"teacher":>7} | '
              f'{"student":>7} | {"distilled":>15} | {"AKD-distilled":>15} |')
    rule = '|'.join('-' * len(cell) for cell in header.split('|')[1:-1])
    lines = [header, f'|{rule}|']
    for task, s in rows:
        base = f'{task.method} {s["base"]:.3f}'
        akd = f'AKD-{task.method} {s["akd"]:.3f}'
        lines.append(
            f'| {task.title:<28} | {task.metric:<13} | '
            f'{s["teacher"]:>7.3f} | {s["student"]:>7.3f} | {base:>15} | '
            f'{akd:>15} |')
    schedules = '; '.join(
        f'{task.title}: teacher {task.teacher.iters} iterations, students '
        f'{task.student.iters}' for task, _ in rows)
    print('\n[demo] results on the toy data (CPU), one seed:\n' +
          '\n'.join(lines) + f'\n({schedules})')
    print(f'\n[demo] the same runs over seeds 0-2 ({RESULTS}, "'
          f'{SPREAD_SECTION[3:]}"), mean +- std (min-max); a difference '
          'inside these ranges is not a result:')
    for task, _ in rows:
        print(f'  {task.title}: ' + '; '.join(
            f'{name} {spread}'
            for name, spread in seed_spread(task).items()))


def seed_spread(task: Task) -> Dict[str, str]:
    """``name -> 'mean +- std (min-max)'`` of the task's student rows, from
    the section of docs/results.md that the demo's runs are measured in."""
    with open(RESULTS) as f:
        section = f.read().split(SPREAD_SECTION, 1)[1].split('\n## ', 1)[0]
    spread = {}
    for name in task.students:
        match = re.search(
            rf'^\| {re.escape(task.title)} \| {re.escape(name)} \| '
            r'([^|]+) \|$', section, re.M)
        if match is None:
            sys.exit(f'[demo] {RESULTS} has no row for {task.title}, {name} '
                     f'under "{SPREAD_SECTION}"')
        values = [float(v) for v in match.group(1).split(',')]
        spread[name] = (f'{statistics.mean(values):.3f} +- '
                        f'{statistics.stdev(values):.3f} '
                        f'({min(values):.3f}-{max(values):.3f})')
    return spread


if __name__ == '__main__':
    main()
