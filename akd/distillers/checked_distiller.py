"""akd's distiller: MMRazor's ``ConfigurableDistiller`` with its wiring
checked at build and at iteration 1, and every loss computed in float32.

MMRazor's distiller wires recorders to losses by name, and most wiring
mistakes pass silently or die deep inside (see
:mod:`akd.distillers.distiller_checks`). ``CheckedDistiller`` runs
the checks where MMRazor builds, prepares and computes; each raises one
message with the config key, the value and the fix. Losses, connectors and
recorders are MMRazor's own; MMRazor's class is left as it is. Configs
written for MMRazor name ``ConfigurableDistiller``; akd's tools build this
class for them (:mod:`akd.tooling.akd_types`).
"""
from typing import Optional

import torch
from mmrazor.models.distillers import ConfigurableDistiller
from mmrazor.registry import MODELS
from torch import nn

from ..utils.full_precision import call_in_float32
from . import distiller_checks as checks


@MODELS.register_module()
class CheckedDistiller(ConfigurableDistiller):
    """``ConfigurableDistiller`` whose config mistakes stop with the key.

    Takes ``ConfigurableDistiller``'s arguments (``student_recorders``,
    ``teacher_recorders``, ``distill_deliveries``, ``connectors``,
    ``distill_losses``, ``loss_forward_mappings``). At build, every loss and
    connector config is checked before it is built (type, arguments,
    hyper-parameter ranges), and every mapping against the losses'
    signatures, the recorders and the connectors; an unmapped loss or an
    unused connector is a warning. When the models are prepared, every
    recorder source must exist and be called. At the first computation,
    every record must hold what its ``record_idx``/``data_idx`` address,
    and a loss that fails on student and teacher tensors of different
    shapes is named with both shapes and the connector that would fit.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._tracker: Optional[checks.ChildCallTracker] = None
        super().__init__(*args, **kwargs)
        checks.check_forward_mappings(self, self.loss_forward_mappings)

    def build_distill_losses(self, losses=None) -> nn.ModuleDict:
        """Each loss config checked before it is built, and each
        constructor's error said under its key."""
        checks.check_loss_names(losses)
        built = nn.ModuleDict()
        for name, cfg in (losses or {}).items():
            key = f'{checks.DISTILLER}.distill_losses.{name}'
            checks.check_part_config(cfg, key)
            built[name] = checks.build_part(cfg, key)
        return built

    def build_connectors(self, connectors=None) -> nn.ModuleDict:
        """Each connector config checked, then built by MMRazor."""
        for name, cfg in (connectors or {}).items():
            parts = cfg if isinstance(cfg, list) else [cfg]
            for index, part in enumerate(parts):
                suffix = f'.{index}' if isinstance(cfg, list) else ''
                checks.check_part_config(
                    part, f'{checks.DISTILLER}.connectors.{name}{suffix}')
        return super().build_connectors(connectors)

    def _check_loss_forward_mappings(self, *args) -> None:
        """MMRazor's assertions give way to
        :func:`~akd.distillers.distiller_checks.check_forward_mappings`,
        which ``__init__`` runs, mapped or not."""

    def prepare_from_student(self, model: nn.Module) -> None:
        self._prepare(model, 'student')

    def prepare_from_teacher(self, model: nn.Module) -> None:
        self._prepare(model, 'teacher')

    def _prepare(self, model: nn.Module, side: str) -> None:
        manager = getattr(self, f'{side}_recorders')
        checks.check_recorder_sources(manager, model, side)
        getattr(super(), f'prepare_from_{side}')(model)
        if self._tracker is None:
            self._tracker = checks.ChildCallTracker()
        self._tracker.watch(manager, model)

    def get_record(self,
                   recorder: str,
                   from_student: bool,
                   record_idx: int = 0,
                   data_idx: Optional[int] = None,
                   connector: Optional[str] = None,
                   connector_idx: Optional[int] = None):
        """MMRazor's ``get_record``, its indices and connector checked
        against the record first."""
        side = 'student' if from_student else 'teacher'
        manager = getattr(self, f'{side}_recorders')
        data = checks.checked_record_data(manager.get_recorder(recorder),
                                          side, recorder, record_idx,
                                          data_idx, self._tracker)
        if connector:
            module = self.connectors[connector]
            try:
                data = module(data)
            except torch.cuda.OutOfMemoryError:
                raise
            except RuntimeError as error:
                misfit = checks.connector_misfit(connector, module, data,
                                                 side, recorder)
                if misfit is None:
                    raise
                raise misfit from error
        if connector_idx is not None:
            data = data[connector_idx]
        return data

    def compute_distill_losses(self) -> dict:
        """MMRazor's loop over ``loss_forward_mappings``, every loss in
        float32, with its records checked."""
        losses = dict()
        for loss_name, mapping in self.loss_forward_mappings.items():
            kwargs = {
                forward_key: checks.under_key(
                    loss_name, forward_key, self.get_record, **record)
                for forward_key, record in mapping.items()
            }
            loss = self.distill_losses[loss_name]
            try:
                losses[loss_name] = call_in_float32(loss, **kwargs)
            except torch.cuda.OutOfMemoryError:
                raise
            except (RuntimeError, ValueError) as error:
                guard = (checks.shape_error(loss_name, loss, mapping, kwargs,
                                            error)
                         or checks.input_error(loss_name, error))
                if guard is None:
                    raise
                raise guard from error
        if self._tracker is not None:  # the records are sound: stop watching
            self._tracker.release()
            self._tracker = None
        return losses
