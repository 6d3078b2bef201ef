"""Checkpoint URLs on machines that cannot reach them.

Configs name weights by URL (``teacher_ckpt``, ``load_from``) and by
mmengine's schemes (``torchvision://resnet50`` and ``open-mmlab://...`` in
backbones' ``init_cfg``, MMRazor's own configs among them). On an offline or
firewalled cluster node the download dies with a ``urlopen`` trace minutes
into the run, or hangs. :func:`config_checkpoint_urls` finds them in a
config, :func:`unreachable_reason` tries each before anything is built, and
:func:`download_error` is the message for both.

A download that fails while a model is built or loaded (``teacher_ckpt``,
``load_from``, a backbone's ``init_cfg``) raises
:class:`CheckpointDownloadError` with the URL and the fix: akd registers its
loaders for mmengine's download schemes (``http://``, ``https://``,
``torchvision://``, ``modelzoo://``, ``open-mmlab://``, ``openmmlab://``,
``mmcls://``) with mmengine's ``CheckpointLoader.register_scheme``; each
runs mmengine's loader and names a network failure.
"""
import functools
import os.path as osp
import socket
import urllib.error
import urllib.request
from typing import Iterator, Optional, Tuple
from urllib.parse import urlparse

import torch.hub
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from ..utils.guard_error import GuardError

# Keys whose string values name checkpoints (init_cfg's is 'checkpoint').
CHECKPOINT_KEYS = ('teacher_ckpt', 'ckpt', 'tokens_ckpt', 'checkpoint',
                   'pretrained', 'load_from')
NETWORK_ERRORS = (urllib.error.URLError, socket.timeout, ConnectionError,
                  TimeoutError)


def resolve_url(path: str) -> Optional[str]:
    """The http(s) URL mmengine would fetch for ``path``, or None when
    ``path`` is not fetched over http (a local file, s3://, ...)."""
    if path.startswith(('http://', 'https://')):
        return path
    scheme, _, name = path.partition('://')
    tables = {
        'torchvision': mmengine_checkpoint.get_torchvision_models,
        'modelzoo': mmengine_checkpoint.get_torchvision_models,
        'open-mmlab': mmengine_checkpoint.get_external_models,
        'openmmlab': mmengine_checkpoint.get_external_models,
        'mmcls': mmengine_checkpoint.get_mmcls_models,
    }
    if scheme not in tables:
        return None
    if scheme in ('open-mmlab', 'openmmlab'):
        name = mmengine_checkpoint.get_deprecated_model_names().get(
            name, name)
    url = tables[scheme]().get(name)
    return url if url and url.startswith(('http://', 'https://')) else None


def cached(url: str) -> bool:
    """Whether torch's hub cache, where mmengine downloads, has ``url``."""
    filename = osp.basename(urlparse(url).path)
    return osp.isfile(osp.join(torch.hub.get_dir(), 'checkpoints', filename))


def unreachable_reason(url: str, timeout: float = 10.0) -> Optional[str]:
    """Why ``url`` cannot be fetched from here, or None if it can.

    A HEAD request: any answer of the server counts as reachable (a
    signed URL may refuse HEAD with 403 and still serve GET), except 404
    and 410, a file that is not there; no answer within ``timeout`` seconds
    is unreachable.
    """
    request = urllib.request.Request(url, method='HEAD')
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError as error:
        if error.code not in (404, 410):
            return None
        return f'the server answered {error.code} {error.reason}'
    except NETWORK_ERRORS as error:
        return network_reason(error)


def network_reason(error: BaseException) -> str:
    """``'<class>: <reason>'`` of a failed fetch (a ``URLError``'s own
    reason where it has one)."""
    reason = getattr(error, 'reason', error)
    return f'{type(reason).__name__}: {reason}'


class CheckpointDownloadError(GuardError):
    """A checkpoint URL that could not be fetched.

    Attributes:
        url (str): The http(s) URL that was fetched.
        reason (str): Why it failed.
    """

    def __init__(self, url: str, reason: str, key: Optional[str] = None,
                 value: Optional[str] = None):
        super().__init__(download_error(url, reason, key, value))
        self.url, self.reason = url, reason


def download_error(url: str,
                   reason: str,
                   key: Optional[str] = None,
                   value: Optional[str] = None) -> str:
    """The message for a checkpoint that could not be downloaded.

    Args:
        url (str): The http(s) URL.
        reason (str): Why it could not be fetched.
        key (str, optional): The config key that names the checkpoint.
        value (str, optional): Its value there, if not ``url`` (e.g.
            ``torchvision://resnet50``).
    """
    named = f'{key}={value or url!r}' if key else f'checkpoint {url!r}'
    via = f' (from {url})' if value and value != url else ''
    cache = osp.join(torch.hub.get_dir(), 'checkpoints',
                     osp.basename(urlparse(url).path))
    fetch = (f'{named}{via} cannot be downloaded from this machine '
             f'({reason}). Download it where the network allows (`wget '
             f'{url}`) and')
    if key and '(cfg_path=' in key:  # inside a model MMRazor builds
        inner = key.split(').model.', 1)[-1]
        switch = (inner.rsplit('.', 1)[0]
                  if inner.endswith('.checkpoint') else inner)  # init_cfg
        return (f'{fetch} copy it to {cache}, where mmengine looks first; '
                'or point cfg_path at a config of your own that sets '
                f'model.{inner} to a local file (or model.{switch} to None, '
                'to go without these weights).')
    return (f'{fetch} give its local path in '
            f'{key or "the config key that names it"} (or copy it to '
            f'{cache}, where mmengine looks first); or set the key to None '
            'to go without these weights.')


def config_checkpoint_urls(node,
                           key: str = '') -> Iterator[Tuple[str, str, str]]:
    """``(config key, value, URL)`` of every checkpoint fetched over http
    that ``node`` (a config or part of one) names."""
    if isinstance(node, dict):
        for name, value in node.items():
            path = f'{key}.{name}' if key else str(name)
            if name in CHECKPOINT_KEYS and isinstance(value, str):
                url = resolve_url(value)
                if url:
                    yield path, value, url
            else:
                yield from config_checkpoint_urls(value, path)
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from config_checkpoint_urls(value, f'{key}.{index}')


DOWNLOAD_SCHEMES = ('http://', 'https://', 'torchvision://', 'modelzoo://',
                    'open-mmlab://', 'openmmlab://', 'mmcls://')


def _naming_failed_downloads(loader):
    """mmengine's ``loader``, raising :class:`CheckpointDownloadError` for a
    download that fails."""

    @functools.wraps(loader)
    def load(filename: str, *args, **kwargs):
        try:
            return loader(filename, *args, **kwargs)
        except NETWORK_ERRORS as error:
            raise CheckpointDownloadError(resolve_url(filename) or filename,
                                          network_reason(error)) from error

    load.names_failed_downloads = True
    return load


def register_download_loaders() -> None:
    """Register :func:`_naming_failed_downloads` over mmengine's loader of
    each download scheme; idempotent."""
    for prefix in DOWNLOAD_SCHEMES:
        loader = CheckpointLoader._get_checkpoint_loader(prefix)
        if not getattr(loader, 'names_failed_downloads', False):
            CheckpointLoader.register_scheme(
                prefix, _naming_failed_downloads(loader), force=True)


register_download_loaders()
