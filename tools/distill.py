"""Distil without writing a config: compose one, save it, train it.

    python tools/distill.py STUDENT_CONFIG TEACHER_CONFIG TEACHER_CKPT
        --method NAME [--work-dir DIR] [train.py's flags ...]

``STUDENT_CONFIG`` and ``TEACHER_CONFIG`` are mmdet or mmseg model configs
(your own included: see docs/own_model.md). The method's distiller base
under configs/ meets the student's data, schedule and runtime. Both models
run once on a random image to find the recorded modules' shapes; a
connector is added where the widths differ, and a pairing the method cannot
serve is refused with the reason. The composed config is written into the
work dir (default ``work_dirs/<method>_<teacher>_<student>/``), to keep and
edit, and trained by tools/train.py with the remaining flags. Methods:

    cwd-fpn, akd-cwd-fpn     CWD / AKD-CWD on a detector's neck levels
    cwd-logits, akd-cwd-logits   CWD / AKD-CWD on a segmentor's logits
    dkd-logits               DKD on a segmentor's or one-stage detector's
                             classification logits
"""
import argparse
import os
import os.path as osp
import sys

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)
from akd.tooling.compose_distillation import METHODS, compose_distillation
from akd.tooling.preflight import check_checkpoint_file
from akd.tooling.tool_args import exit_on_guard_error

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import train  # noqa: E402

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'configs')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='Any further flag goes to tools/train.py.')
    parser.add_argument('student_config')
    parser.add_argument('teacher_config')
    parser.add_argument('teacher_ckpt')
    parser.add_argument('--method', required=True, choices=sorted(METHODS))
    parser.add_argument('--work-dir')
    return parser.parse_known_args(argv)


def main(argv=None):
    args, train_args = parse_args(argv)
    name = '_'.join([args.method] + [
        osp.splitext(osp.basename(path))[0]
        for path in (args.teacher_config, args.student_config)
    ])
    work_dir = args.work_dir or osp.join('work_dirs', name)
    with exit_on_guard_error():
        check_checkpoint_file(
            args.teacher_ckpt, 'TEACHER_CKPT',
            'the teacher\'s trained checkpoint (tools/train.py '
            'TEACHER_CONFIG writes one) or its URL')
        cfg, notes = compose_distillation(args.student_config,
                                          args.teacher_config,
                                          args.teacher_ckpt, args.method,
                                          CONFIGS)
    for note in notes:
        print(f'[distill] {note}', flush=True)
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, f'{name}.py')
    cfg.dump(path)
    print(f'[distill] wrote {path}; train it again or edit it with '
          f'`python tools/train.py {path}`', flush=True)
    train.main([path, '--work-dir', work_dir, *train_args])


if __name__ == '__main__':
    main()
