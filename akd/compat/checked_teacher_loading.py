"""Load ``teacher_ckpt`` fully onto the CPU, or refuse with the reason.

Upstream problem (MMRazor 1.0): ``SingleTeacherDistill`` (and so
``FpnTeacherDistill``) loads ``teacher_ckpt`` with mmengine's non-strict
``load_checkpoint``: a checkpoint of another width or task, or a whole
distillation checkpoint, only logs "do not match exactly" and distillation
goes on from a random teacher. It also loads tensors to the device they were
saved from, so 8 ranks each put a GPU-saved teacher on GPU 0 first. The
teacher is now read onto the CPU and must be filled entirely
(:func:`akd.engine.checkpoint_fit.load_teacher`), except that under
``FpnTeacherDistill``, which runs only the teacher's backbone and neck, only
those must be (a teacher trained for other classes still teaches its FPN).
"""
import contextvars
import functools

from mmrazor.models.algorithms import FpnTeacherDistill
from mmrazor.models.algorithms.distill.configurable import \
    single_teacher_distill

from ..engine.checkpoint_files import read_checkpoint
from ..engine.checkpoint_fit import load_teacher

_PATCHED = '_akd_checked'
KEY = 'model.teacher_ckpt'
FPN_PARTS = ('backbone.', 'neck.')
# The teacher parts that run, while an algorithm that runs only some builds.
_RUNNING_PARTS = contextvars.ContextVar('akd_running_teacher_parts',
                                        default=None)


def load_teacher_checkpoint(model, filename: str, *args, **kwargs) -> dict:
    """What ``SingleTeacherDistill.__init__`` calls as ``load_checkpoint``."""
    checkpoint = read_checkpoint(filename, KEY)
    load_teacher(model, checkpoint, KEY, filename, 'model.teacher',
                 runs=_RUNNING_PARTS.get())
    return checkpoint


def _running_only_backbone_and_neck(init):

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        token = _RUNNING_PARTS.set(FPN_PARTS)
        try:
            init(self, *args, **kwargs)
        finally:
            _RUNNING_PARTS.reset(token)

    return __init__


def install() -> None:
    """Route MMRazor's teacher loading here; idempotent."""
    if getattr(single_teacher_distill.load_checkpoint, _PATCHED, False):
        return
    setattr(load_teacher_checkpoint, _PATCHED, True)
    single_teacher_distill.load_checkpoint = load_teacher_checkpoint
    FpnTeacherDistill.__init__ = _running_only_backbone_and_neck(
        FpnTeacherDistill.__init__)
