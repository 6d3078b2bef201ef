"""Teacher-assistant distillation: train a chain of distillation steps.

    python tools/takd_chain.py STEP1 STEP2 [STEP3 ...] [--work-dir DIR]
        [--dry-run] [-- TRAIN_ARGS]

Mirzadeh et al., "Improved Knowledge Distillation via Teacher Assistant",
AAAI 2020. https://arxiv.org/abs/1902.03393

Step 1 distils its config's teacher into an assistant; every later step's
teacher is the previous step's student, converted to a plain checkpoint
(``DIR/step<i>/student.pth``) and passed as ``model.teacher_ckpt``. A step
whose ``student.pth`` exists is skipped, so a stopped chain resumes where it
stopped. Each step runs ``tools/train.py`` with the arguments after ``--``
(e.g. ``-- --data-root data/coco``); ``--dry-run`` prints the commands (to
run each on a cluster with ``tools/dist_train.sh`` instead).
"""
import argparse
import os.path as osp
import sys
from typing import List

import akd  # noqa: F401  (the stack's fixes, before mmengine loads)

# isort: split
from mmengine.config import Config

from akd.tooling.distill_chain import (ChainStep, add_chain_args, run_chain,
                                       split_train_args)


def check_chain(configs: List[str]) -> None:
    """Each step's teacher must be the previous step's student."""
    for path in configs:
        if not osp.isfile(path):
            sys.exit(f'error: config {path!r} does not exist.')
    models = [_normalized(Config.fromfile(path).model) for path in configs]
    for index, model in enumerate(models):
        if 'teacher' not in model:
            sys.exit(f'error: step {index + 1} ({configs[index]}) has no '
                     'model.teacher: every TAKD step distils from one.')
    for index in range(1, len(models)):
        student = models[index - 1].architecture
        teacher = models[index].teacher
        if student != teacher:
            sys.exit(
                f'error: step {index + 1}\'s model.teacher ({teacher}) is not '
                f'step {index}\'s model.architecture ({student}): the '
                'assistant must be the next teacher.')


def _normalized(model: Config) -> Config:
    """The model config with its architectures' ``cfg_path`` made absolute."""
    for key in ('architecture', 'teacher'):
        if 'cfg_path' in model.get(key, {}):
            model[key].cfg_path = osp.abspath(model[key].cfg_path)
    return model


def chain_steps(configs: List[str], work_dir: str) -> List[ChainStep]:
    """Step i+1 takes step i's student as its teacher."""
    steps = []
    for index, config in enumerate(configs):
        options = ([f'model.teacher_ckpt={steps[-1].student}']
                   if steps else [])
        steps.append(
            ChainStep(f'step{index + 1}', config,
                      osp.join(work_dir, f'step{index + 1}'), options))
    return steps


def main(argv=None):
    argv, train_args = split_train_args(
        sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='the steps, in order')
    add_chain_args(parser, 'work_dirs/takd', 'step<i>')
    args = parser.parse_args(argv)
    if len(args.configs) < 2:
        sys.exit('error: a TAKD chain has at least two steps.')
    check_chain(args.configs)
    run_chain(chain_steps(args.configs, args.work_dir), train_args, 'takd',
              args.dry_run)


if __name__ == '__main__':
    main()
