"""Arguments, config loading and exits shared by tools/train.py and
tools/test.py."""
import argparse
import contextlib
import logging
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger

from ..utils.guard_error import GuardError
from .akd_types import use_akd_types
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
    parser.add_argument(
        '--mmrazor-types', action='store_true',
        help="build SingleTeacherDistill, FpnTeacherDistill and "
        "ConfigurableDistiller as MMRazor's classes instead of akd's "
        '(FrozenTeacherDistill, CheckedDistiller)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_tool_config(args: argparse.Namespace) -> Config:
    """The config with the common arguments applied."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = load_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    use_akd_types(cfg, enabled=not args.mmrazor_types)
    if args.data_root:
        set_data_root(cfg, args.data_root)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


@contextlib.contextmanager
def exit_on_guard_error():
    """End the tool with ``error: <message>`` and status 1 on a
    :class:`GuardError`: its message names the key and the fix, and a stack
    trace would only bury it. The run's log file gets the message too."""
    try:
        yield
    except GuardError as error:
        _write_to_log_files(f'stopped: {error}')
        sys.exit(f'error: {error}')


def _write_to_log_files(message: str) -> None:
    """``message`` in the current mmengine logger's files, not on the
    console (the tool's exit prints it there)."""
    logger = MMLogger.get_current_instance()
    record = logger.makeRecord(logger.name, logging.ERROR, __file__, 0,
                               message, (), None)
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)
