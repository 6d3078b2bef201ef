"""Resolve ``mmdet::``/``mmseg::`` config paths that the 3.x/1.x releases
renamed.

Upstream problem: MMRazor 1.0 ships configs that name mmdet 2.x paths, such
as ``faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py`` (mmdet 3.x:
``faster-rcnn_r50_fpn_1x_coco.py``), and mmengine answers a bare
``FileNotFoundError``. When the path is missing, the file in the same folder
whose name has the same words (``_``/``-`` alike; for mmseg's reordered names,
the one that contains all of them with the fewest extra) is used instead,
with a warning naming the new path.
"""
import os
import os.path as osp
import re
import warnings

import mmengine.config.config as config_module
import mmengine.config.utils as config_utils
import mmengine.hub.hub as hub_module

_PATCHED = '_akd_resolves_renames'


def _words(file_name: str) -> list:
    stem = file_name[:-3] if file_name.endswith('.py') else file_name
    return re.split(r'[-_]', stem.lower())


def find_renamed(path: str):
    """The config that ``path`` was renamed to, or None if unique one isn't."""
    folder, name = osp.split(path)
    if not osp.isdir(folder):
        return None
    candidates = [f for f in sorted(os.listdir(folder)) if f.endswith('.py')]
    wanted = _words(name)
    same = [f for f in candidates if _words(f) == wanted]
    if len(same) == 1:
        return osp.join(folder, same[0])
    supersets = [(len(_words(f)), f) for f in candidates
                 if set(wanted) <= set(_words(f))]
    if not supersets:
        return None
    fewest = min(n for n, _ in supersets)
    best = [f for n, f in supersets if n == fewest]
    return osp.join(folder, best[0]) if len(best) == 1 else None


def install() -> None:
    """Wrap mmengine's external base-config lookup; idempotent."""
    original = config_utils._get_external_cfg_base_path
    if getattr(original, _PATCHED, False):
        return

    def get_external_cfg_base_path(package_path: str, cfg_name: str) -> str:
        try:
            return original(package_path, cfg_name)
        except FileNotFoundError:
            wanted = osp.join(package_path, '.mim', 'configs', cfg_name)
            renamed = find_renamed(wanted)
            if renamed is None:
                raise FileNotFoundError(
                    f'config {cfg_name!r} is not in {osp.dirname(wanted)} '
                    'and no renamed config there matches its name; check '
                    'the path against the installed package version.'
                ) from None
            new_name = osp.relpath(renamed, osp.dirname(wanted))
            warnings.warn(
                f'config {cfg_name!r} does not exist in this version of '
                f'{osp.basename(package_path)}; using its renamed successor '
                f'{osp.join(osp.dirname(cfg_name), new_name)!r}.')
            return renamed

    setattr(get_external_cfg_base_path, _PATCHED, True)
    for module in (config_utils, config_module, hub_module):
        module._get_external_cfg_base_path = get_external_cfg_base_path
