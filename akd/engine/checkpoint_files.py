"""Checkpoint files that survive a kill, and reading them with clear errors.

A checkpoint is written to a temporary file in the same directory, flushed
to disk and renamed over its name, so a kill while saving leaves the
previous file intact. Reading tells a missing file, a truncated or corrupt
one, and an unreachable URL apart, each with the key that named it.
"""
import glob
import io
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

import torch
from mmengine.runner.checkpoint import _load_checkpoint

from .downloads import CheckpointDownloadError
from .guard_error import GuardError

CHECKPOINT_NAME = re.compile(r'(?:iter|epoch)_(\d+)\.pth$')
ZIP_MAGIC = b'PK\x03\x04'


def atomic_write(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never half written."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = osp.join(directory, f'.{osp.basename(path)}.{os.getpid()}.part')
    try:
        with open(partial, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    finally:
        if osp.exists(partial):
            os.remove(partial)


def atomic_torch_save(obj, path: str) -> None:
    """``torch.save`` through :func:`atomic_write`."""
    with io.BytesIO() as buffer:
        torch.save(obj, buffer)
        atomic_write(buffer.getvalue(), path)


def _first_line(error: BaseException) -> str:
    return f'{type(error).__name__}: {str(error).splitlines()[0][:120]}'


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
            bad_member = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return _first_line(error)
    return f'corrupt member {bad_member}' if bad_member else None


def numbered_checkpoints(work_dir: str) -> List[str]:
    """``iter_N.pth``/``epoch_N.pth`` in ``work_dir``, newest (largest N)
    first."""
    found = [
        path for path in glob.glob(osp.join(work_dir, '*.pth'))
        if CHECKPOINT_NAME.search(osp.basename(path))
    ]
    return sorted(
        found, key=lambda p: int(CHECKPOINT_NAME.search(p).group(1)),
        reverse=True)


def newest_readable(work_dir: str,
                    named: Optional[str] = None
                    ) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The newest readable checkpoint of ``work_dir``, and those skipped.

    Args:
        work_dir (str): Where the run saved its checkpoints.
        named (str, optional): The checkpoint ``last_checkpoint`` names,
            tried first.

    Returns:
        tuple: The path (None if no checkpoint is readable) and the
        ``(path, reason)`` of each unreadable one tried before it.
    """
    candidates = ([named] if named else []) + [
        path for path in numbered_checkpoints(work_dir)
        if not named or osp.abspath(path) != osp.abspath(named)
    ]
    skipped = []
    for path in candidates:
        reason = unreadable_reason(path)
        if reason is None:
            return path, skipped
        skipped.append((path, reason))
    return None, skipped


def read_checkpoint(path: str, key: str) -> dict:
    """Load the checkpoint ``key`` names onto the CPU, or say why not.

    Raises:
        GuardError: For a missing or unreadable file, or a URL that could
            not be fetched, naming ``key`` and the fix.
    """
    if '://' not in path:
        if not osp.isfile(path):
            raise GuardError(
                f'{key}={path!r} does not exist (working directory: '
                f'{osp.abspath(".")}). Give the path of the .pth file, or '
                'None to go without it.')
        reason = unreadable_reason(path)
        if reason:
            raise GuardError(
                f'{key}={path!r} is not a readable checkpoint ({reason}): '
                'the file is truncated or corrupt, e.g. a copy or a save '
                'that was interrupted. Copy or save it again.')
    try:
        checkpoint = _load_checkpoint(path, map_location='cpu')
    except CheckpointDownloadError as error:  # raised by akd.compat
        raise CheckpointDownloadError(error.url, error.reason, key,
                                      path) from error
    if not isinstance(checkpoint, dict):
        raise GuardError(
            f'{key}={path!r} holds a {type(checkpoint).__name__}, not a '
            'checkpoint dict; give a file saved by mmengine or torch.save of '
            'a state dict.')
    return checkpoint
