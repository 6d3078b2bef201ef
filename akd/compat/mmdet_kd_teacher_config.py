"""mmdet's own LD configs find their teacher's config from any directory.

Upstream problem (mmdet 3.3): ``KnowledgeDistillationSingleStageDetector``
(mmdet's ``configs/ld``) names its teacher as
``teacher_config='configs/gfl/gfl_r101_fpn_ms-2x_coco.py'``, a path relative
to a clone of mmdet, so outside one the build dies with a bare
``FileNotFoundError``. A missing ``configs/...`` path is now looked up in
the configs installed with mmdet; a path found in neither place stops with
an error naming ``model.teacher_config``.
"""
import inspect
import os.path as osp
from pathlib import Path

from mmdet.models.detectors import kd_one_stage
from mmengine.utils import get_installed_path

_PATCHED = '_akd_installed_teacher_config'


def resolve_teacher_config(path: str) -> str:
    """``path`` if it exists, else mmdet's installed ``configs/...``."""
    if osp.isfile(path):
        return path
    installed = osp.join(get_installed_path('mmdet'), '.mim', path)
    if path.startswith('configs/') and osp.isfile(installed):
        return installed
    raise FileNotFoundError(
        f'model.teacher_config={path!r} does not exist (working directory: '
        f'{osp.abspath(".")}), nor among the configs installed with mmdet. '
        'Give the teacher config\'s path, e.g. '
        "'configs/gfl/gfl_r101_fpn_ms-2x_coco.py' as mmdet's LD configs do.")


def install() -> None:
    """Wrap the detector's ``__init__``; idempotent."""
    detector = kd_one_stage.KnowledgeDistillationSingleStageDetector
    original = detector.__init__
    if getattr(original, _PATCHED, False):
        return

    signature = inspect.signature(original)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        config = bound.arguments.get('teacher_config')
        if isinstance(config, (str, Path)):
            bound.arguments['teacher_config'] = resolve_teacher_config(
                str(config))
        original(*bound.args, **bound.kwargs)

    setattr(__init__, _PATCHED, True)
    detector.__init__ = __init__
