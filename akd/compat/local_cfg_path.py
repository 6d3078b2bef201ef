"""Let MMRazor's ``cfg_path`` name a local config file as well as ``pkg::``.

MMRazor builds ``architecture=dict(cfg_path='mmdet::...')`` with
:func:`mmengine.hub.get_model`, which only reads configs shipped inside an
installed package. akd's toy configs (and users' own detectors) live in
files, so a ``cfg_path`` without ``::`` is read with ``Config.fromfile`` (use
``{{fileDirname}}`` for a path next to the distillation config) and built
under the file's ``default_scope``, as ``get_model`` does for packages.
A file is parsed once per process (:func:`read_config_file`): the checks
before a run read the student's and teacher's configs too.
"""
import copy
import functools
import importlib
import os
import os.path as osp

import mmengine.hub
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

_PATCHED = '_akd_reads_files'


@functools.lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int, size: int) -> Config:
    return Config.fromfile(path)


def read_config_file(cfg_path: str) -> Config:
    """``Config.fromfile(cfg_path)``, parsed once per process and file
    version (a changed file is parsed again); each call gets its own
    copy."""
    stat = os.stat(cfg_path)
    return copy.deepcopy(
        _parsed(osp.abspath(cfg_path), stat.st_mtime_ns, stat.st_size))


def build_from_config_file(cfg_path: str, pretrained: bool = False,
                           **kwargs):
    """Build ``model`` of the config file ``cfg_path`` under its scope."""
    if pretrained:
        raise ValueError(
            f'cfg_path={cfg_path!r} is a local config file, which has no '
            'pretrained weights to fetch: set pretrained=False and give the '
            'checkpoint as teacher_ckpt (or init_cfg).')
    if not osp.isfile(cfg_path):
        raise FileNotFoundError(
            f'cfg_path={cfg_path!r} does not exist: give an installed '
            "package's config as 'mmdet::path/to/config.py' or a file path "
            "(e.g. '{{fileDirname}}/../models/my_model.py').")
    cfg = read_config_file(cfg_path)
    scope = cfg.get('default_scope')
    if scope is None:
        raise ValueError(
            f'cfg_path={cfg_path!r} sets no default_scope: inherit an '
            "mmdet::/mmseg:: runtime base or set default_scope='mmdet'.")
    importlib.import_module(f'{scope}.utils').register_all_modules(False)
    with DefaultScope.overwrite_default_scope(scope):
        model_cfg = cfg.model
        if 'data_preprocessor' in cfg and 'data_preprocessor' not in model_cfg:
            model_cfg.data_preprocessor = cfg.data_preprocessor
        return MODELS.build(model_cfg, default_args=kwargs)


def install() -> None:
    """Route file paths in ``get_model``; idempotent."""
    original = mmengine.hub.get_model
    if getattr(original, _PATCHED, False):
        return

    def get_model(cfg_path: str, pretrained: bool = False, **kwargs):
        if '::' in cfg_path:
            return original(cfg_path, pretrained, **kwargs)
        return build_from_config_file(cfg_path, pretrained, **kwargs)

    setattr(get_model, _PATCHED, True)
    mmengine.hub.get_model = get_model
