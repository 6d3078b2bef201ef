"""Checkpoint retention that never deletes a checkpoint before its successor
is whole, and saves that fail with one line naming the file and the fix.

mmengine 0.10's ``CheckpointHook`` removes the oldest kept checkpoint
(``max_keep_ckpts``) and the previous best one (``save_best``) *before* it
writes the new one ("remove other checkpoints before save checkpoint"). A
save that dies (a full disk, a file-size limit, ``kill -9``, an
out-of-memory kill, a pre-emption) then leaves nothing to resume from when
``max_keep_ckpts=1``. This subclass keeps upstream's bookkeeping and only
moves the removals: they wait until every file of the save is written and
renamed into place and ``last_checkpoint`` names the new one.
"""
import errno
import logging
import os.path as osp
from contextlib import contextmanager
from typing import List, Optional, Tuple

from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmrazor.registry import HOOKS

from ...checkpoints.checkpoint_files import numbered_checkpoints
from ...utils.guard_error import GuardError

KEY = 'default_hooks.checkpoint'
FULL = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


class _DeferredRemovals:
    """A file backend whose ``remove``/``rmtree`` are recorded, not done;
    everything else goes to the real backend."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.pending: List[Tuple[str, str]] = []  # (method, path)

    def remove(self, path) -> None:
        self.pending.append(('remove', str(path)))

    def rmtree(self, path) -> None:  # checkpoints saved by DeepSpeed
        self.pending.append(('rmtree', str(path)))

    def __getattr__(self, name):
        return getattr(self.backend, name)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook``, removing old checkpoints only after
    the new one is saved.

    Takes ``CheckpointHook``'s arguments, with the same meaning.
    ``tools/train.py`` puts it in the place of a config's
    ``default_hooks.checkpoint`` of type ``CheckpointHook``. Differences:

    - A checkpoint that ``max_keep_ckpts`` or ``save_best`` retires is
      removed after its successor is written whole (akd writes each file to
      a temporary name and renames it) and ``last_checkpoint`` points at
      it. The disk must hold one checkpoint more than ``max_keep_ckpts``
      while saving.
    - A save that fails with an ``OSError`` (no space, quota, file-size
      limit, permission) raises :class:`GuardError` naming the file, the
      cause and the fix; nothing already saved is removed.
    """

    _deferred: Optional[_DeferredRemovals] = None

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        with self._removals_deferred():
            super()._save_checkpoint_with_step(runner, step, meta)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with self._removals_deferred():
            super()._save_best_checkpoint(runner, metrics)

    def _saved_paths(self) -> List[str]:
        """The newest best checkpoints and the newest checkpoint, in the
        order upstream saves them."""
        best = [getattr(self, 'best_ckpt_path', None)]
        best += list(getattr(self, 'best_ckpt_path_dict', {}).values())
        return [str(p) for p in (*best, self.last_ckpt) if p]

    @contextmanager
    def _removals_deferred(self):
        if self._deferred is not None:  # a save inside a save
            yield
            return
        before = set(self._saved_paths())
        self._deferred = _DeferredRemovals(self.file_backend)
        self.file_backend = self._deferred
        try:
            yield
        except OSError as error:
            written = [p for p in self._saved_paths() if p not in before]
            target = written[-1] if written else str(self.out_dir)
            raise GuardError(save_error(target, error)) from error
        finally:
            deferred, self._deferred = self._deferred, None
            self.file_backend = deferred.backend
        kept = set(self._saved_paths())
        for method, path in deferred.pending:
            if path in kept:  # saved again under the same name
                continue
            getattr(self.file_backend, method)(path)
            print_log(f'removed {path}: its successor is saved.',
                      logger='current', level=logging.DEBUG)


def _cause_and_fix(error: OSError, directory: str) -> Tuple[str, str]:
    if error.errno in FULL:
        return ('the disk or your quota is full',
                f'free space where {directory} is, lower '
                f'{KEY}.max_keep_ckpts (saving needs room for one checkpoint '
                f'more than it keeps), or save elsewhere with '
                f'{KEY}.out_dir=PATH')
    if error.errno == errno.EFBIG:
        return ('the checkpoint is larger than this process may write (its '
                'file-size limit, `ulimit -f`)',
                'raise the limit (`ulimit -f unlimited` in the job script) or '
                "ask the cluster's administrators")
    if error.errno in NOT_WRITABLE:
        return (f'{directory} is not writable',
                f'make it writable, or give another --work-dir (or '
                f'{KEY}.out_dir=PATH)')
    return ('the file system refused the write',
            f'check the disk where {directory} is, or save elsewhere with '
            f'{KEY}.out_dir=PATH')


def save_error(path: str, error: OSError) -> str:
    """The one-line message of a save of ``path`` that raised ``error``."""
    directory = osp.dirname(path) or '.'
    cause, fix = _cause_and_fix(error, directory)
    kept = numbered_checkpoints(directory) if osp.isdir(directory) else []
    if kept:
        saved = (f'the checkpoints already saved are kept ('
                 f'{", ".join(osp.basename(p) for p in kept)}; '
                 f'{osp.basename(kept[0])} takes '
                 f'{osp.getsize(kept[0]) / 2**20:,.1f} MiB)')
        then = 'then --resume'
    else:
        saved, then = 'no checkpoint was saved before', 'then start again'
    code = errno.errorcode.get(error.errno, type(error).__name__)
    return (f'saving checkpoint {path} failed: '
            f'{error.strerror or error} ({code}): {cause}. The run stopped; '
            f'{saved}. {fix[0].upper()}{fix[1:]}; {then}.')
