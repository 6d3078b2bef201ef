"""Born-again networks: generations of one architecture, each taught by the
one before (or by all of them).

    python tools/born_again_chain.py CONFIG --generations G [--gen0 CKPT]
        [--ensemble {mean_probs,mean_sigmoids}] [--work-dir DIR] [--dry-run]
        [-- TRAIN_ARGS]

Furlanello et al., "Born Again Neural Networks", ICML 2018.
https://arxiv.org/abs/1805.04770

CONFIG distils a teacher with the student's own architecture (e.g.
``configs/born-again/``). Generation 0 is that model trained plainly by
``tools/train.py`` on its config (``model.teacher.cfg_path``) into
``DIR/gen0``, or the plain checkpoint ``--gen0 CKPT``. Generation g = 1..G
trains CONFIG into ``DIR/gen<g>`` with generation g-1's ``student.pth`` as
``model.teacher_ckpt``. With ``--ensemble``, generation g >= 2 learns from
the ensemble of generations 0..g-1 instead: the tool writes
``DIR/gen<g>/born_again_ensemble.py``, CONFIG turned into a
``MultiTeacherDistill`` whose teacher recorders average the generations'
predictions (``EnsembleOutputs`` with ``reduce``: ``mean_probs`` for
softmax logits, ``mean_sigmoids`` for focal-loss heads), and trains that.
Finished generations are kept and skipped on a rerun (the chain machinery
of ``tools/takd_chain.py``); ``--dry-run`` prints the commands.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
from mmengine.config import Config

from akd.tooling.distill_chain import (ChainStep, add_chain_args, run_chain,
                                       split_train_args)

REDUCTIONS = ('mean_probs', 'mean_sigmoids')


def check_config(path: str) -> Config:
    """CONFIG, if its teacher has its student's architecture."""
    if not osp.isfile(path):
        sys.exit(f'error: config {path!r} does not exist.')
    cfg = Config.fromfile(path)
    model = cfg.model
    if 'teacher' not in model or 'architecture' not in model:
        sys.exit(f'error: {path} has no model.teacher and '
                 'model.architecture: give a single-teacher distillation.')
    if osp.abspath(model.teacher.get('cfg_path', '')) != osp.abspath(
            model.architecture.get('cfg_path', '-')):
        sys.exit(f'error: {path}: model.teacher.cfg_path '
                 f'({model.teacher.get("cfg_path")}) is not '
                 'model.architecture.cfg_path: born-again generations share '
                 'one architecture.')
    return cfg


def ensemble_config(cfg: Config, teachers: List[str], reduce: str,
                    out: str) -> str:
    """Write CONFIG with the ensemble of ``teachers`` as its teacher."""
    cfg = Config(cfg.to_dict())
    model = cfg.model
    teacher = model.pop('teacher')
    model.pop('teacher_ckpt', None)
    model.type = 'MultiTeacherDistill'
    model.teachers = {
        f'gen{index}': dict(model=teacher, ckpt=ckpt)
        for index, ckpt in enumerate(teachers)
    }
    for recorder in model.distiller.teacher_recorders.values():
        if recorder.type != 'ModuleOutputs':
            sys.exit(f'error: --ensemble averages ModuleOutputs recorders, '
                     f'not {recorder.type}.')
        recorder.type, recorder.reduce = 'EnsembleOutputs', reduce
    cfg.val_cfg = dict(type='ValLoop')  # the student; no single teacher
    os.makedirs(osp.dirname(out), exist_ok=True)
    cfg.dump(out)
    return out


def generations(config: str, cfg: Config, count: int, work_dir: str,
                gen0: Optional[str], reduce: Optional[str],
                dry_run: bool) -> List[ChainStep]:
    """Generation 0 (unless given), then 1..count."""
    steps = []
    students = [gen0] if gen0 else []
    if not gen0:
        steps.append(ChainStep('gen0', cfg.model.teacher.cfg_path,
                               osp.join(work_dir, 'gen0'), prefix=None))
        students.append(steps[0].student)
    for g in range(1, count + 1):
        step_dir = osp.join(work_dir, f'gen{g}')
        if reduce and g >= 2:
            out = osp.join(step_dir, 'born_again_ensemble.py')
            if not dry_run:
                ensemble_config(cfg, students[:g], reduce, out)
            steps.append(ChainStep(f'gen{g}', out, step_dir))
        else:
            steps.append(
                ChainStep(f'gen{g}', config, step_dir,
                          [f'model.teacher_ckpt={students[g - 1]}']))
        students.append(steps[-1].student)
    return steps


def main(argv=None):
    argv, train_args = split_train_args(
        sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a born-again distillation config')
    parser.add_argument('--generations', type=int, required=True,
                        help='distilled generations after generation 0')
    parser.add_argument('--gen0', help='a plain checkpoint as generation 0')
    parser.add_argument(
        '--ensemble', choices=REDUCTIONS,
        help='teach generation g >= 2 by the mean prediction of all '
        'earlier generations')
    add_chain_args(parser, 'work_dirs/born_again', 'gen<g>')
    args = parser.parse_args(argv)
    if args.generations < 1:
        sys.exit('error: --generations must be at least 1.')
    if args.gen0 and not osp.isfile(args.gen0):
        sys.exit(f'error: --gen0 {args.gen0!r} does not exist.')
    cfg = check_config(args.config)
    steps = generations(args.config, cfg, args.generations, args.work_dir,
                        args.gen0, args.ensemble, args.dry_run)
    run_chain(steps, train_args, 'born-again', args.dry_run)


if __name__ == '__main__':
    main()
