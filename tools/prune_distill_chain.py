"""Prepare a teacher, distil a student from it, and evaluate what it learned.

    python tools/prune_distill_chain.py DISTILL_CONFIG TEACHER_CKPT
        [--criterion magnitude|prue|none] [--sparsity 0.5]
        [--scope global|layer] [--batches 16] [--finetune K=V ...]
        [--data-root PATH] [--work-dir DIR] [--dry-run] [-- TRAIN_ARGS]

1. ``prepare``: ``tools/prepare_teacher.py`` prunes TEACHER_CKPT, the
   teacher of DISTILL_CONFIG (``model.teacher.cfg_path``), into
   ``DIR/prepare/teacher.pth``; ``--finetune`` fine-tunes it with these
   ``--cfg-options`` (its schedule), keeping its zeros. ``--criterion none``
   takes TEACHER_CKPT as it is (e.g. a teacher trained with label
   smoothing).
2. ``distill``: ``tools/train.py`` trains DISTILL_CONFIG with that teacher
   into ``DIR/distill`` (TRAIN_ARGS after ``--`` go to it), leaving the
   student as ``student.pth`` (the chain machinery of
   ``tools/takd_chain.py``).
3. ``evaluate``: ``tools/test.py`` evaluates the distillation with its
   student's fidelity to the prepared teacher and its calibration added
   to ``test_evaluator`` (``docs/evaluation.md``), into
   ``DIR/evaluate/metrics.json``, and prints them.

A step whose output exists is skipped, so a stopped chain resumes where
it stopped (the default ``DIR`` names the config, criterion, sparsity and
scope, so another choice gets a chain of its own); ``--dry-run`` prints
the commands.
"""
import argparse
import json
import os.path as osp
import sys

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
from mmengine.config import Config

from akd.tooling.distill_chain import (ChainStep, add_chain_args, run_chain,
                                       split_train_args)
from akd.tooling.tool_runs import (checkpoint_metrics, run_tool,
                                   with_test_metrics)


def parse_args(argv=None):
    own, train_args = split_train_args(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a single-teacher distillation config')
    parser.add_argument('teacher_ckpt', help='the trained teacher')
    parser.add_argument('--criterion', default='magnitude',
                        choices=('magnitude', 'prue', 'none'))
    parser.add_argument('--sparsity', default='0.5')
    parser.add_argument('--scope', default='global',
                        choices=('global', 'layer'))
    parser.add_argument('--batches', default='16')
    parser.add_argument('--finetune', nargs='+', metavar='K=V',
                        help='fine-tune the pruned teacher with these '
                        '--cfg-options')
    parser.add_argument('--data-root', help="the data set's data_root")
    add_chain_args(parser, 'work_dirs/prune_distill/<config>_<criterion>'
                   '_<sparsity>_<scope>', 'prepare, distill, evaluate')
    args = parser.parse_args(own)
    args.train_args = train_args
    if args.work_dir.startswith('work_dirs/prune_distill/<'):
        name = osp.splitext(osp.basename(args.config))[0]
        how = ('none' if args.criterion == 'none' else
               f'{args.criterion}_{args.sparsity}_{args.scope}')
        args.work_dir = osp.join('work_dirs', 'prune_distill',
                                 f'{name}_{how}')
    return args


def prepare(args, teacher_config: str) -> str:
    """The prepared teacher's checkpoint (made unless it exists)."""
    if args.criterion == 'none':
        return args.teacher_ckpt
    work_dir = osp.join(args.work_dir, 'prepare')
    teacher = osp.join(work_dir, 'teacher.pth')
    command = ['tools/prepare_teacher.py', teacher_config, args.teacher_ckpt,
               '--criterion', args.criterion, '--sparsity', args.sparsity,
               '--scope', args.scope, '--batches', args.batches,
               '--work-dir', work_dir]
    command += ['--data-root', args.data_root] if args.data_root else []
    if args.finetune:
        command += ['--finetune', '--', '--cfg-options', *args.finetune]
    print(f'[prune-distill] prepare: {" ".join(command)}')
    if not args.dry_run and not osp.isfile(teacher):
        run_tool(command, osp.join(args.work_dir, 'prepare.log'))
    return teacher


def evaluation_metrics(teacher_model: dict, teacher: str) -> dict:
    """Fidelity to ``teacher`` and calibration, per task scope."""
    spec = dict(model=teacher_model, ckpt=osp.abspath(teacher))
    return {
        'mmseg': [dict(type='mmrazor.SegFidelityMetric', teacher=spec),
                  dict(type='mmrazor.SegCalibrationMetric')],
        'mmdet': [dict(type='mmrazor.DetFidelityMetric', teacher=spec),
                  dict(type='mmrazor.DetCalibrationMetric')],
    }


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if 'teacher' not in cfg.model or 'teacher_ckpt' not in cfg.model:
        sys.exit(f'error: {args.config} has no model.teacher and '
                 'model.teacher_ckpt: give a single-teacher distillation.')
    teacher = prepare(args, cfg.model.teacher.cfg_path)
    data_args = ['--data-root', args.data_root] if args.data_root else []
    step = ChainStep('distill', args.config,
                     osp.join(args.work_dir, 'distill'),
                     [f'model.teacher_ckpt={teacher}'])
    run_chain([step], [*data_args, *args.train_args], 'prune-distill',
              args.dry_run)
    if args.dry_run:
        return
    config, metric = with_test_metrics(
        args.config, osp.join(args.work_dir, 'evaluate'),
        evaluation_metrics(cfg.model.teacher, teacher))
    work_dir = osp.join(args.work_dir, 'evaluate')
    if osp.isfile(osp.join(work_dir, 'metrics.json')):
        with open(osp.join(work_dir, 'metrics.json')) as f:
            metrics = json.load(f)
        metrics.setdefault(metric, 0.0)  # as checkpoint_metrics() gives it
    else:
        metrics = checkpoint_metrics(config, step.student, work_dir,
                                     metric, args.data_root)
    keys = (metric, 'fidelity/top1_agreement', 'fidelity/kl')
    calibration = [k for k in metrics if k.startswith('calibration/')]
    print('[prune-distill] ' + '  '.join(
        f'{k}: {metrics[k]:.4f}' for k in (*keys, *calibration)))


if __name__ == '__main__':
    main()
