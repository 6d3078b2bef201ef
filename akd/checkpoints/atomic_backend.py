"""Local files that mmengine writes, never seen half written.

mmengine's ``save_checkpoint`` hands a checkpoint's bytes to its file
backend's ``put``, and mmengine's local backend writes them straight into
``iter_N.pth``: a job killed while saving (preempted, out of time, out of
disk) leaves a torn newest checkpoint, and ``--resume`` then dies in the zip
reader. :class:`AtomicLocalBackend` is registered as mmengine's ``'local'``
storage backend (with mmengine's own ``register_backend``), so checkpoints
and ``last_checkpoint`` are written to a temporary file, flushed and
renamed (:func:`akd.utils.atomic_file.atomic_write`).
"""
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend, register_backend

from ..utils.atomic_file import atomic_write


@register_backend('local', force=True, prefixes='')
class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend whose writes are atomic."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, str(filepath))

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write(obj.encode(encoding), str(filepath))
