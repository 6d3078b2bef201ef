"""Checkpoints that a kill cannot tear, and ``--resume`` past torn ones.

Upstream problem (mmengine 0.10): ``save_checkpoint`` writes straight into
``iter_N.pth``, so a job killed while saving (preempted, out of time, out of
disk) leaves a truncated newest checkpoint, and ``--resume`` then dies in
the zip reader. Local checkpoints are now written to a temporary file,
flushed and renamed (:func:`akd.engine.checkpoint_files.atomic_write`). The
automatic resume (``resume=True`` without a file) skips an unreadable newest
checkpoint for the newest readable one and logs it (removing the temporary
files of interrupted saves), and stops with a ``GuardError`` naming them when
none is readable.
"""
import logging

import mmengine.runner
import mmengine.runner.checkpoint as checkpoint
import mmengine.runner.runner as runner
from mmengine.logging import print_log

from ..engine.checkpoint_files import (atomic_torch_save, newest_readable,
                                       numbered_checkpoints,
                                       remove_partial_files)
from ..engine.guard_error import GuardError

_PATCHED = '_akd_atomic'


def _save_checkpoint(original):

    def save_checkpoint(checkpoint, filename, file_client_args=None,
                        backend_args=None):
        local = (file_client_args is None and backend_args is None
                 and '://' not in filename)
        if not local:
            return original(checkpoint, filename, file_client_args,
                            backend_args)
        atomic_torch_save(checkpoint, filename)

    setattr(save_checkpoint, _PATCHED, True)
    return save_checkpoint


def _find_latest_checkpoint(original):

    def find_latest_checkpoint(path):
        named = original(path)
        if (named and '://' in named) or not (named
                                              or numbered_checkpoints(path)):
            return named
        for partial in remove_partial_files(path):
            print_log(f'resume: removed {partial}, left by a save that was '
                      'interrupted.', logger='current')
        found, skipped = newest_readable(path, named)
        for unreadable, reason in skipped:
            print_log(f'resume: {unreadable} is unreadable ({reason}); '
                      'trying the next newest checkpoint.', logger='current',
                      level=logging.WARNING)
        if found is None:
            listed = '; '.join(f'{p} ({reason})' for p, reason in skipped)
            raise GuardError(
                f'resume: no checkpoint in work_dir={path!r} is readable: '
                f'{listed}. Start again without --resume (or resume=False), '
                'or give a readable checkpoint with --resume PATH.')
        if skipped:
            print_log(f'resume: resuming from {found}, the newest readable '
                      'checkpoint.', logger='current', level=logging.WARNING)
        return found

    setattr(find_latest_checkpoint, _PATCHED, True)
    return find_latest_checkpoint


def install() -> None:
    """Patch mmengine's save and latest-checkpoint lookup; idempotent."""
    if getattr(checkpoint.save_checkpoint, _PATCHED, False):
        return
    save = _save_checkpoint(checkpoint.save_checkpoint)
    find = _find_latest_checkpoint(checkpoint.find_latest_checkpoint)
    for module in (checkpoint, runner, mmengine.runner):
        module.save_checkpoint = save
        module.find_latest_checkpoint = find
