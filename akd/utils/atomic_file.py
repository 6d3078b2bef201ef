"""Files that are never seen half written.

The data goes to a temporary file in the same directory, is flushed to disk
and renamed over its name, so a reader sees the old file or the new one and
a kill while writing leaves the old one intact.
"""
import os
import os.path as osp

PARTIAL = '.{name}.{pid}.part'


def atomic_write(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never half written."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = osp.join(directory,
                       PARTIAL.format(name=osp.basename(path),
                                      pid=os.getpid()))
    try:
        with open(partial, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    finally:
        if osp.exists(partial):
            os.remove(partial)
