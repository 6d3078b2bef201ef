"""Name the URL and the fix when a checkpoint cannot be downloaded.

Upstream problem (mmengine 0.10): a checkpoint URL that cannot be fetched
(``teacher_ckpt``, ``load_from``, a backbone's ``torchvision://`` or
``open-mmlab://`` ``init_cfg``) on an offline or firewalled machine dies in
``urlopen`` with a trace that names neither the file nor what to do.
``load_from_http``, which every http, ``torchvision://``, ``open-mmlab://``
and ``mmcls://`` checkpoint goes through, now raises a
``CheckpointDownloadError`` with the URL and the fix. ``tools/train.py``
tries the URLs of a config before building it, and names their config
keys.
"""
import mmengine.runner.checkpoint as checkpoint

from ..engine.downloads import NETWORK_ERRORS, CheckpointDownloadError

_PATCHED = '_akd_clear_download_errors'


def install() -> None:
    """Wrap mmengine's http loader, in its scheme table too; idempotent."""
    original = checkpoint.load_from_http
    if getattr(original, _PATCHED, False):
        return

    def load_from_http(filename, *args, **kwargs):
        try:
            return original(filename, *args, **kwargs)
        except NETWORK_ERRORS as error:
            reason = getattr(error, 'reason', error)
            raise CheckpointDownloadError(
                filename, f'{type(reason).__name__}: {reason}') from error

    setattr(load_from_http, _PATCHED, True)
    checkpoint.load_from_http = load_from_http
    schemes = checkpoint.CheckpointLoader._schemes
    for prefix, loader in schemes.items():
        if loader is original:
            schemes[prefix] = load_from_http
