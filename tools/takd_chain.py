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
import subprocess
import sys
from typing import List

import akd  # noqa: F401  (registries, safe checkpoint loading)
from akd.utils.checkpoint_parts import save_part_checkpoint
from mmengine.config import Config

TOOLS = osp.dirname(osp.abspath(__file__))


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


def step_commands(configs: List[str], work_dir: str,
                  train_args: List[str]) -> List[List[str]]:
    """The ``tools/train.py`` command of every step."""
    commands = []
    for index, config in enumerate(configs):
        command = [
            sys.executable,
            osp.join(TOOLS, 'train.py'), config, '--work-dir',
            step_dir(work_dir, index)
        ]
        command += train_args
        if index > 0:  # last, so that it wins over train_args
            previous = osp.join(step_dir(work_dir, index - 1), 'student.pth')
            command += ['--cfg-options', f'model.teacher_ckpt={previous}']
        commands.append(command)
    return commands


def step_dir(work_dir: str, index: int) -> str:
    return osp.join(work_dir, f'step{index + 1}')


def save_student(step_work_dir: str) -> str:
    """Convert the step's last checkpoint into ``student.pth``."""
    pointer = osp.join(step_work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        sys.exit(f'error: {step_work_dir} has no last_checkpoint: the step '
                 'did not save a checkpoint (see its log).')
    with open(pointer) as f:
        checkpoint = f.read().strip()
    out = osp.join(step_work_dir, 'student.pth')
    save_part_checkpoint(checkpoint, out)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    train_args = []
    if '--' in argv:
        argv, train_args = argv[:argv.index('--')], argv[argv.index('--') + 1:]
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='the steps, in order')
    parser.add_argument(
        '--work-dir', default='work_dirs/takd',
        help='where step<i>/ goes (default: work_dirs/takd)')
    parser.add_argument(
        '--dry-run', action='store_true', help='print the commands only')
    args = parser.parse_args(argv)
    if len(args.configs) < 2:
        sys.exit('error: a TAKD chain has at least two steps.')
    check_chain(args.configs)
    commands = step_commands(args.configs, args.work_dir, train_args)
    for index, command in enumerate(commands):
        student = osp.join(step_dir(args.work_dir, index), 'student.pth')
        print(f'[takd] step {index + 1}: {" ".join(command[1:])}')
        if args.dry_run:
            continue
        if osp.isfile(student):
            print(f'[takd] step {index + 1} done before: {student}')
            continue
        if subprocess.run(command).returncode:
            sys.exit(f'error: step {index + 1} failed; fix it and rerun: '
                     'finished steps are kept.')
        print(f'[takd] step {index + 1} student: '
              f'{save_student(step_dir(args.work_dir, index))}')


if __name__ == '__main__':
    main()
