"""Chains of training runs where each run's student teaches a later one.

Shared by ``tools/takd_chain.py`` (teacher -> assistant -> student) and
``tools/born_again_chain.py`` (generation g teaches generation g+1). Each
step trains with ``tools/train.py`` into its own work dir and leaves
``student.pth`` there, a plain checkpoint the next steps take as their
teacher. A step whose ``student.pth`` exists is skipped, so a stopped chain
resumes where it stopped.
"""
import argparse
import os.path as osp
import subprocess
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from .checkpoint_parts import save_part_checkpoint

TOOLS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))), 'tools')


@dataclass
class ChainStep:
    """One training run of a chain.

    Args:
        name (str): ``step1``, ``gen2``, ...
        config (str): The config ``tools/train.py`` trains.
        work_dir (str): Where the run and its ``student.pth`` go.
        options (list): ``--cfg-options`` after the chain's train args
            (they win), e.g. the teacher checkpoint.
        prefix (str, optional): The part of the checkpoint that is the
            student (``'architecture.'``), or None for a plain model run.
    """
    name: str
    config: str
    work_dir: str
    options: Sequence[str] = ()
    prefix: Optional[str] = 'architecture.'

    @property
    def student(self) -> str:
        return osp.join(self.work_dir, 'student.pth')

    def command(self, train_args: Sequence[str]) -> List[str]:
        command = [
            sys.executable,
            osp.join(TOOLS, 'train.py'), self.config, '--work-dir',
            self.work_dir, *train_args
        ]
        if self.options:  # last, so that they win over train_args
            command += ['--cfg-options', *self.options]
        return command


def add_chain_args(parser: argparse.ArgumentParser, default_work_dir: str,
                   step_dirs: str) -> None:
    """``--work-dir`` and ``--dry-run``, as every chain tool takes them."""
    parser.add_argument(
        '--work-dir', default=default_work_dir,
        help=f'where {step_dirs}/ goes (default: {default_work_dir})')
    parser.add_argument(
        '--dry-run', action='store_true', help='print the commands only')


def split_train_args(argv: Sequence[str]) -> Tuple[List[str], List[str]]:
    """The chain's own arguments, and those after ``--`` for train.py."""
    argv = list(argv)
    if '--' not in argv:
        return argv, []
    return argv[:argv.index('--')], argv[argv.index('--') + 1:]


def save_student(step: ChainStep) -> str:
    """The step's last checkpoint as a plain ``student.pth``."""
    pointer = osp.join(step.work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        sys.exit(f'error: {step.work_dir} has no last_checkpoint: the step '
                 'did not save a checkpoint (see its log).')
    with open(pointer) as f:
        checkpoint = f.read().strip()
    save_part_checkpoint(checkpoint, step.student, step.prefix)
    return step.student


def run_chain(steps: Sequence[ChainStep], train_args: Sequence[str],
              tag: str, dry_run: bool = False) -> None:
    """Train the steps in order, skipping those done before."""
    for step in steps:
        command = step.command(train_args)
        print(f'[{tag}] {step.name}: {" ".join(command[1:])}')
        if dry_run:
            continue
        if osp.isfile(step.student):
            print(f'[{tag}] {step.name} done before: {step.student}')
            continue
        if subprocess.run(command).returncode:
            sys.exit(f'error: {step.name} failed; fix it and rerun: '
                     'finished steps are kept.')
        print(f'[{tag}] {step.name} student: {save_student(step)}')
