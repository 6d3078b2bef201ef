"""Arguments, config loading and exits shared by tools/train.py and
tools/test.py."""
import argparse
import contextlib
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from ..engine.guard_error import GuardError
from .preflight import load_config, set_data_root


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--data-root``, ``--cfg-options``, ``--launcher``..."""
    parser.add_argument(
        '--work-dir', help='where logs, checkpoints and metrics go '
        '(default: work_dirs/<config name>)')
    parser.add_argument(
        '--data-root', help='dataset root replacing every data_root')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config keys, e.g. model.teacher_ckpt=t.pth')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_tool_config(args: argparse.Namespace) -> Config:
    """The config with the common arguments applied."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = load_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.data_root:
        set_data_root(cfg, args.data_root)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


@contextlib.contextmanager
def exit_on_guard_error():
    """End the tool with ``error: <message>`` and status 1 on a
    :class:`GuardError`: its message names the key and the fix, and a stack
    trace would only bury it."""
    try:
        yield
    except GuardError as error:
        sys.exit(f'error: {error}')
