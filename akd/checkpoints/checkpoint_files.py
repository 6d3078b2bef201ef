"""Checkpoint files that survive a kill, and reading them with clear errors.

A checkpoint is written with :func:`akd.utils.atomic_file.atomic_write`
(mmengine's saves too, through :mod:`akd.checkpoints.atomic_backend`), so a
kill while saving leaves the previous file intact, and an automatic resume
skips a torn newest checkpoint (:func:`checkpoint_to_resume`). Reading tells a
missing file, a truncated or corrupt one, and an unreachable URL apart, each
with the key that named it.
"""
import glob
import io
import logging
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint, find_latest_checkpoint

from ..utils.atomic_file import PARTIAL, atomic_write
from ..utils.guard_error import GuardError
from .downloads import CheckpointDownloadError

CHECKPOINT_NAME = re.compile(r'(?:iter|epoch)_(\d+)\.pth$')  # not best_*
ZIP_MAGIC = b'PK\x03\x04'


def atomic_torch_save(obj, path: str) -> None:
    """``torch.save`` through :func:`atomic_write`."""
    with io.BytesIO() as buffer:
        torch.save(obj, buffer)
        atomic_write(buffer.getvalue(), path)


def remove_partial_files(work_dir: str) -> List[str]:
    """Delete the temporary files of saves that a kill interrupted."""
    pattern = PARTIAL.format(name='*', pid='*')
    removed = []
    for path in glob.glob(osp.join(work_dir, pattern)):
        try:
            os.remove(path)
            removed.append(path)
        except FileNotFoundError:  # another rank removed it first
            pass
    return removed


def _first_line(error: BaseException) -> str:
    return f'{type(error).__name__}: {str(error).splitlines()[0][:120]}'


def _corrupt_member(archive: zipfile.ZipFile) -> Optional[str]:
    """The first member whose data fails its CRC (``ZipFile.testzip``,
    except that members saved without a CRC, as torch does when
    ``torch.utils.serialization.config.save.compute_crc32`` is off, are not
    counted as corrupt)."""
    for info in archive.infolist():
        if info.CRC == 0:
            continue
        try:
            with archive.open(info) as member:
                while member.read(1 << 20):
                    pass
        except zipfile.BadZipFile:
            return info.filename
    return None


def unreadable_reason(path: str) -> Optional[str]:
    """Why the checkpoint at ``path`` cannot be read, or None if it can.

    ``torch.save`` writes a zip archive: its central directory and every
    member's CRC are checked, which finds a truncated or corrupted file
    without unpickling it.
    """
    if not osp.isfile(path):
        return 'no such file'
    with open(path, 'rb') as f:
        head = f.read(4)
    if not head:
        return 'empty file'
    if head != ZIP_MAGIC:  # torch's legacy (pre-1.6) format
        try:
            torch.load(path, map_location='cpu')
        except Exception as error:  # noqa: BLE001 - any failure is the reason
            return _first_line(error)
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            bad_member = _corrupt_member(archive)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return _first_line(error)
    return f'corrupt member {bad_member}' if bad_member else None


def file_problem(path: str) -> Optional[str]:
    """What is wrong with the local checkpoint file ``path``, said as the
    end of a sentence that starts with its name; None if nothing is."""
    if not osp.isfile(path):
        return f'does not exist (working directory: {osp.abspath(".")})'
    reason = unreadable_reason(path)
    if reason:
        return (f'is not a readable checkpoint ({reason}): it is truncated '
                'or corrupt, e.g. a copy or a save that was interrupted')
    return None


def _number(path: str) -> Optional[int]:
    match = CHECKPOINT_NAME.match(osp.basename(path))
    return int(match.group(1)) if match else None


def numbered_checkpoints(work_dir: str) -> List[str]:
    """``iter_N.pth``/``epoch_N.pth`` in ``work_dir``, newest (largest N)
    first; ``best_*`` checkpoints, saved without the optimiser, are not."""
    found = [
        path for path in glob.glob(osp.join(work_dir, '*.pth'))
        if _number(path) is not None
    ]
    return sorted(found, key=_number, reverse=True)


def newest_readable(work_dir: str,
                    named: Optional[str] = None
                    ) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The newest readable checkpoint of ``work_dir``, and those skipped.

    Args:
        work_dir (str): Where the run saved its checkpoints.
        named (str, optional): The checkpoint ``last_checkpoint`` names,
            tried first; then only older ones, so that a checkpoint left by
            an earlier, longer run in the same directory is not taken.

    Returns:
        tuple: The path (None if no checkpoint is readable) and the
        ``(path, reason)`` of each unreadable one tried before it.
    """
    limit = _number(named) if named else None
    candidates = ([named] if named else []) + [
        path for path in numbered_checkpoints(work_dir)
        if limit is None or _number(path) < limit
    ]
    skipped = []
    for path in candidates:
        reason = unreadable_reason(path)
        if reason is None:
            return path, skipped
        skipped.append((path, reason))
    return None, skipped


def checkpoint_to_resume(
        work_dir: str,
        notes: Optional[List[Tuple[int, str]]] = None) -> Optional[str]:
    """The checkpoint an automatic resume (``resume=True`` without a file)
    continues from: the newest readable one of ``work_dir``.

    mmengine's ``find_latest_checkpoint`` names the newest checkpoint
    whether it is readable or not, so a save torn by a kill ends every later
    ``--resume`` in the zip reader. Here the temporary files of interrupted
    saves are removed, an unreadable newest checkpoint is skipped for the
    newest readable one (both logged, or appended to ``notes`` as
    ``(level, message)`` for a logger that does not exist yet), and None
    means a fresh work dir.

    Raises:
        GuardError: When ``work_dir`` has checkpoints and none is readable.
    """
    named = find_latest_checkpoint(work_dir)
    if (named and '://' in named) or not (named
                                          or numbered_checkpoints(work_dir)):
        return named

    def note(message: str, level: int = logging.INFO) -> None:
        if notes is None:
            print_log(message, logger='current', level=level)
        else:
            notes.append((level, message))

    for partial in remove_partial_files(work_dir):
        note(f'resume: removed {partial}, left by a save that was '
             'interrupted.')
    found, skipped = newest_readable(work_dir, named)
    for unreadable, reason in skipped:
        note(f'resume: {unreadable} is unreadable ({reason}); trying the '
             'next newest checkpoint.', logging.WARNING)
    if found is None:
        listed = '; '.join(f'{p} ({reason})' for p, reason in skipped)
        raise GuardError(
            f'resume: no checkpoint in work_dir={work_dir!r} is readable: '
            f'{listed}. Start again without --resume (or resume=False), '
            'or give a readable checkpoint with --resume PATH.')
    if skipped:
        note(f'resume: resuming from {found}, the newest readable '
             'checkpoint.', logging.WARNING)
    return found


def read_checkpoint(path: str, key: str) -> dict:
    """Load the checkpoint ``key`` names onto the CPU, or say why not.

    Raises:
        GuardError: For a missing or unreadable file, or a URL that could
            not be fetched, naming ``key`` and the fix.
    """
    if '://' not in path and not osp.isfile(path):
        raise GuardError(f'{key}={path!r} {file_problem(path)}. Give the path '
                         'of the .pth file, or None to go without it.')
    try:
        checkpoint = _load_checkpoint(path, map_location='cpu')
    except CheckpointDownloadError as error:  # akd's download loaders
        raise CheckpointDownloadError(error.url, error.reason, key,
                                      path) from error
    except Exception as error:  # noqa: BLE001 - said below, if the file
        problem = None if '://' in path else file_problem(path)
        if problem is None:
            raise
        raise GuardError(f'{key}={path!r} {problem}. Copy or save it '
                         'again.') from error
    if not isinstance(checkpoint, dict):
        raise GuardError(
            f'{key}={path!r} holds a {type(checkpoint).__name__}, not a '
            'checkpoint dict; give a file saved by mmengine or torch.save of '
            'a state dict.')
    return checkpoint
