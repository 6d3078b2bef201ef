"""Check MMRazor's ``ConfigurableDistiller`` wiring at build and iteration 1.

Upstream problem (MMRazor 1.0): a distillation loss key without ``loss``
only warns and is never back-propagated; a misspelt loss argument, loss
type, recorder, connector or forward key dies on a bare ``assert`` or a
``TypeError`` without the config key; a loss with no forward mapping is
silently never computed; a recorder on a module that is never called dies
at the first iteration with ``record_idx is illegal``; student and teacher
tensors of different widths die inside the loss. The checks of
:mod:`akd.engine.distiller_checks` now run where MMRazor builds, prepares
and computes, for MMRazor's configs and akd's alike; each raises one
message with the key, the value and the fix. Losses and forward calls are
MMRazor's own: only the checks are added, and every loss computes in
float32 (:func:`akd.utils.full_precision.call_in_float32`), whatever
precision a half-precision teacher or AMP gave its inputs.
"""
from mmrazor.models.distillers import ConfigurableDistiller
from torch import nn

from ..engine import distiller_checks as checks
from ..utils.full_precision import call_in_float32

_PATCHED = '_akd_checked'


def build_distill_losses(self, losses=None) -> nn.ModuleDict:
    """MMRazor's loop over ``distill_losses``, each config checked before
    it is built and each constructor's error said under its key."""
    checks.check_loss_names(losses)
    built = nn.ModuleDict()
    for name, cfg in (losses or {}).items():
        key = f'{checks.DISTILLER}.distill_losses.{name}'
        checks.check_part_config(cfg, key)
        built[name] = checks.build_part(cfg, key)
    return built


def _build_connectors(original):

    def build_connectors(self, connectors=None):
        for name, cfg in (connectors or {}).items():
            parts = cfg if isinstance(cfg, list) else [cfg]
            for index, part in enumerate(parts):
                suffix = f'.{index}' if isinstance(cfg, list) else ''
                checks.check_part_config(
                    part, f'{checks.DISTILLER}.connectors.{name}{suffix}')
        return original(self, connectors)

    return build_connectors


def _check_after_init(original):
    """MMRazor checks mappings with asserts, and only when there are some;
    these checks run once the distiller is built, mapped or not (an unmapped
    loss or unused connector is a warning)."""

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        checks.check_forward_mappings(self, self.loss_forward_mappings)

    return __init__


def _skip_mmrazor_asserts(self, *args) -> None:
    """Replaced by :func:`_check_after_init`."""


def _prepare(original, side: str):

    def prepare(self, model):
        manager = getattr(self, f'{side}_recorders')
        checks.check_recorder_sources(manager, model, side)
        original(self, model)
        if getattr(self, '_akd_tracker', None) is None:
            self._akd_tracker = checks.ChildCallTracker()
        self._akd_tracker.watch(manager, model)

    return prepare


def compute_distill_losses(self):
    """MMRazor's loop over ``loss_forward_mappings``, with its records and
    loss calls checked."""
    tracker = getattr(self, '_akd_tracker', None)
    losses = dict()
    for loss_name, mapping in self.loss_forward_mappings.items():
        kwargs = {
            forward_key: checks.fetch_record(self, loss_name, forward_key,
                                             record, tracker)
            for forward_key, record in mapping.items()
        }
        loss = self.distill_losses[loss_name]
        try:
            losses[loss_name] = call_in_float32(loss, **kwargs)
        except (RuntimeError, ValueError) as error:
            guard = (checks.shape_error(loss_name, loss, mapping, kwargs,
                                        error)
                     or checks.input_error(loss_name, error))
            if guard is None:
                raise
            raise guard from error
    if tracker is not None:  # the records are sound: stop watching
        tracker.release()
        self._akd_tracker = None
    return losses


def install() -> None:
    """Add the checks to ``ConfigurableDistiller``; idempotent."""
    cls = ConfigurableDistiller
    if getattr(cls, _PATCHED, False):
        return
    cls.build_distill_losses = build_distill_losses
    cls.build_connectors = _build_connectors(cls.build_connectors)
    cls.__init__ = _check_after_init(cls.__init__)
    cls._check_loss_forward_mappings = _skip_mmrazor_asserts
    cls.prepare_from_student = _prepare(cls.prepare_from_student, 'student')
    cls.prepare_from_teacher = _prepare(cls.prepare_from_teacher, 'teacher')
    cls.compute_distill_losses = compute_distill_losses
    setattr(cls, _PATCHED, True)
