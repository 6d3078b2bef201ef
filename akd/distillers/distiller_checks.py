"""Checks of a ``ConfigurableDistiller``'s config, at build and iteration 1.

MMRazor's ``ConfigurableDistiller`` wires recorders to losses by name, and
most wiring mistakes pass silently or die deep inside: a loss key without
``loss`` is logged and never back-propagated, a recorder source that is not
a module dies on an ``assert``, a recorder on a module that is never called
(a ``ModuleList``) dies at iteration 1 with ``record_idx is illegal``, and
student and teacher tensors of different widths die inside the loss. Each
check here raises :class:`GuardError` naming the config key under
``model.distiller``, the bad value and the fix.
:class:`akd.distillers.CheckedDistiller` runs them. They compare the
configs, signatures, records and tensors themselves; none reads the text of
another library's error.
"""
import difflib
import inspect
import logging
from typing import Dict, Iterable, List, Optional

from mmengine.logging import print_log
from mmrazor.models.task_modules.recorder import (ModuleOutputsRecorder,
                                                  ParameterRecorder)
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..losses.utils.hyperparameters import out_of_range
from ..utils.guard_error import GuardError
from ..utils.loss_signature import loss_signature

DISTILLER = 'model.distiller'
RECORD_KEYS = ('recorder', 'from_student', 'record_idx', 'data_idx',
               'connector', 'connector_idx')
CONTAINERS = (nn.ModuleList, nn.ModuleDict)


def _closest(word: str, choices: Iterable[str], n: int = 3) -> str:
    """`` (closest: 'a', 'b')`` or an empty string; a match but for case
    comes first."""
    choices = list(choices)
    same = [c for c in choices if c.lower() == word.lower()]
    close = same + [
        c for c in difflib.get_close_matches(word, choices, n=n, cutoff=0.5)
        if c not in same
    ][:n - len(same)]
    return f' (closest: {", ".join(map(repr, close))})' if close else ''


def _registered_class(cfg: dict):
    """The class ``cfg['type']`` names in MMRazor's MODELS, or None."""
    if not isinstance(cfg.get('type'), str):
        return cfg.get('type')
    with MODELS.switch_scope_and_registry(cfg.get('_scope_')) as registry:
        return registry.get(cfg['type'])


def _accepted_arguments(cls) -> Optional[List[str]]:
    """``cls``'s constructor arguments; None when it takes ``**kwargs``."""
    parameters = inspect.signature(cls.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return None
    return [name for name in parameters if name != 'self']


def check_part_config(cfg: dict, key: str) -> None:
    """A loss's or connector's type exists, takes every given argument, and
    each numeric hyper-parameter is in its range
    (:mod:`akd.losses.utils.hyperparameters`).

    Nested losses (AKD's ``base_loss``) and AKD's ``perturbation`` are
    checked too; other nested configs (``norm_cfg``, ``act_cfg``) are read
    by their builders, not passed to a class as they are, and are left to
    them.
    """
    if 'type' not in cfg:
        raise GuardError(f'{key} has no type: give dict(type=<a registered '
                         f'class>, ...), got {dict(cfg)!r:.200}')
    cls = _registered_class(cfg)
    if cls is None:
        raise GuardError(
            f'{key}.type={cfg["type"]!r} is not registered in MMRazor\'s '
            f'MODELS{_closest(cfg["type"], MODELS.module_dict)}. Check the '
            'spelling, and '
            "that custom_imports loads the package that registers it (akd's "
            'losses: docs/method_zoo.md).')
    accepted = _accepted_arguments(cls)
    if accepted is not None:
        for name in cfg:
            if name not in accepted and name not in ('type', '_scope_'):
                raise GuardError(
                    f'{key}.{name}: {cls.__name__} takes no argument '
                    f'{name!r}{_closest(name, accepted)}; it takes '
                    f'{", ".join(accepted)}.')
    for name, value in cfg.items():
        problem = out_of_range(cls.__name__, name, value)
        if problem:
            raise GuardError(f'{key}.{name} {problem}.')
        nested = 'loss' in name or name == 'perturbation'
        if nested and isinstance(value, dict) and 'type' in value:
            check_part_config(value, f'{key}.{name}')


def build_part(cfg: dict, key: str) -> nn.Module:
    """Build a checked loss or connector config; a ``ValueError`` or
    ``TypeError`` its constructor raises is said under ``key``."""
    try:
        return MODELS.build(cfg)
    except GuardError:
        raise
    except (ValueError, TypeError) as error:
        raise GuardError(f'{key} ({cfg["type"]}): {error}') from error


def check_loss_names(losses: Dict[str, dict]) -> None:
    """Every distillation loss key contains ``loss``."""
    for name in losses or {}:
        if 'loss' not in name:
            raise GuardError(
                f"{DISTILLER}.distill_losses.{name}: the key lacks 'loss', "
                f'so it would be logged as distill.{name} and never '
                "back-propagated (mmengine sums only keys containing 'loss')."
                f' Rename it, e.g. loss_{name}, here and in '
                'loss_forward_mappings.')


def _check_record(loss_name: str, forward_key: str, record,
                  distiller) -> None:
    key = f'{DISTILLER}.loss_forward_mappings.{loss_name}.{forward_key}'
    if not isinstance(record, dict):
        raise GuardError(
            f'{key} must be dict(recorder=..., from_student=...), got '
            f'{record!r}')
    for name in record:
        if name not in RECORD_KEYS:
            raise GuardError(
                f'{key}.{name}: not a record key{_closest(name, RECORD_KEYS)}'
                f'; a record takes {", ".join(RECORD_KEYS)}.')
    for name in ('recorder', 'from_student'):
        if name not in record:
            raise GuardError(f'{key} has no {name}: give '
                             'dict(recorder=<name>, from_student=True/False).')
    if not isinstance(record['from_student'], bool):
        raise GuardError(f'{key}.from_student must be True or False, got '
                         f'{record["from_student"]!r}')
    side = 'student' if record['from_student'] else 'teacher'
    recorders = getattr(distiller, f'{side}_recorders').recorders
    if record['recorder'] not in recorders:
        raise GuardError(
            f'{key}.recorder={record["recorder"]!r} is not in '
            f'{DISTILLER}.{side}_recorders'
            f'{_closest(record["recorder"], recorders)}; it has '
            f'{sorted(recorders) or "none"}.')
    connector = record.get('connector')
    if connector is not None and connector not in distiller.connectors:
        raise GuardError(
            f'{key}.connector={connector!r} is not in {DISTILLER}.connectors'
            f'{_closest(connector, distiller.connectors)}; it has '
            f'{sorted(distiller.connectors) or "none"}.')


def check_forward_mappings(distiller, mappings) -> None:
    """Every loss is mapped, and every mapping names a loss argument, a
    recorder, and a connector that exist."""
    key = f'{DISTILLER}.loss_forward_mappings'
    if not isinstance(mappings, dict):
        raise GuardError(
            f'{key} must be a dict, got {type(mappings).__name__}')
    losses = distiller.distill_losses
    for loss_name, forward_mappings in mappings.items():
        if loss_name not in losses:
            raise GuardError(
                f'{key}.{loss_name} names no loss of '
                f'{DISTILLER}.distill_losses{_closest(loss_name, losses)}; '
                'the keys of both must match.')
        if not isinstance(forward_mappings, dict):
            raise GuardError(
                f'{key}.{loss_name} must be a dict of forward arguments, got '
                f'{forward_mappings!r}')
        loss = losses[loss_name]
        parameters = loss_signature(loss).parameters
        for forward_key, record in forward_mappings.items():
            if forward_key not in parameters:
                raise GuardError(
                    f'{key}.{loss_name}.{forward_key}: '
                    f'{type(loss).__name__}.forward takes no '
                    f'{forward_key!r}{_closest(forward_key, parameters)}; it '
                    f'takes {", ".join(parameters)}.')
            _check_record(loss_name, forward_key, record, distiller)
        unmapped = [
            name for name in _required_arguments(loss)
            if name not in forward_mappings
        ]
        if unmapped:
            raise GuardError(
                f'{key}.{loss_name} does not map {", ".join(unmapped)}, which '
                f'{type(loss).__name__}.forward needs: add '
                f'{unmapped[0]}=dict(recorder=..., from_student=...).')
        _check_whole_inputs(f'{key}.{loss_name}', loss, forward_mappings)
    _warn_unused(distiller, mappings)


def _check_whole_inputs(key: str, loss: nn.Module, mapping: dict) -> None:
    """Under ``AvatarKDLoss``, which splits per-level inputs by level, a
    base loss's ``all_<name>`` (in its ``whole_inputs``) must be mapped
    where ``<name>`` is: it keeps a normaliser over every level, and
    without it each level would be normalised by its own."""
    base = getattr(loss, 'base_loss', None)
    for whole in getattr(base, 'whole_inputs', ()):
        split = whole[len('all_'):]
        if whole.startswith('all_') and split in mapping and (
                whole not in mapping):
            raise GuardError(
                f'{key} maps {split} but not {whole}: {type(loss).__name__} '
                f'splits {split} by level, so {type(base).__name__} needs '
                f'{whole}, the same record passed whole, to normalise over '
                f'every level. Add '
                f'{whole}=dict({_record_text(mapping[split])}).')


def _record_text(record: dict) -> str:
    return ', '.join(f'{name}={value!r}' for name, value in record.items())


def _required_arguments(loss: nn.Module) -> List[str]:
    parameters = loss_signature(loss).parameters
    return [
        name for name, p in parameters.items() if p.default is p.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _warn_unused(distiller, mappings: dict) -> None:
    """Warn about a loss that is never computed and a connector that never
    trains. Warnings, not errors: MMRazor's own two-stage configs (Factor
    Transfer) keep stage-1 parts idle in stage 2 on purpose."""
    key = f'{DISTILLER}.loss_forward_mappings'
    for loss_name, loss in distiller.distill_losses.items():
        if loss_name not in mappings:
            arguments = ', '.join(
                f'{name}=dict(recorder=..., from_student=...)'
                for name in _required_arguments(loss))
            print_log(
                f'{DISTILLER}.distill_losses.{loss_name} has no entry in '
                f'{key}, so it is never computed: add {loss_name}='
                f'dict({arguments}) unless that is meant.', logger='current',
                level=logging.WARNING)
    used = {
        record.get('connector')
        for forward_mappings in mappings.values()
        for record in forward_mappings.values()
    }
    for connector in distiller.connectors:
        if connector not in used:
            print_log(
                f'{DISTILLER}.connectors.{connector} is used by no record of '
                f'{key}, so it never trains: add connector={connector!r} to '
                'the record it should transform, unless that is meant.',
                logger='current', level=logging.WARNING)


def check_recorder_sources(manager, model: nn.Module, side: str) -> None:
    """Module and parameter recorders name something ``model`` has, and
    modules that are called (a ``ModuleList`` never is)."""
    modules = dict(model.named_modules())
    for name, recorder in manager.recorders.items():
        key = f'{DISTILLER}.{side}_recorders.{name}.source'
        source = recorder.source
        if isinstance(recorder, ModuleOutputsRecorder):
            if source not in modules:
                raise GuardError(
                    f'{key}={source!r} is not a module of the '
                    f'{type(model).__name__} these recorders hook'
                    f'{_closest(source, modules)}. Give a name from its '
                    'named_modules().')
            module = modules[source]
            # A ModuleList without a forward of its own is never called
            # (mmseg's PPM is a ModuleList with one, and is called).
            never_called = (isinstance(module, CONTAINERS)
                            and type(module).forward is nn.Module.forward)
            if never_called:
                children = [
                    f'{source}.{child}'
                    for child, _ in modules[source].named_children()
                ]
                raise GuardError(
                    f'{key}={source!r} is a {type(modules[source]).__name__}, '
                    'which is never called itself, so it would record '
                    'nothing: record its children instead '
                    f'({", ".join(children)}), one recorder each.')
        elif isinstance(recorder, ParameterRecorder):
            parameters = dict(model.named_parameters())
            if source not in parameters:
                raise GuardError(
                    f'{key}={source!r} is not a parameter of the {side}'
                    f'{_closest(source, parameters)}.')


class ChildCallTracker:
    """Which children of each module recorder's source ran, until released.

    Named in the message for a recorder that recorded nothing, so the user
    learns which modules to record instead.
    """

    def __init__(self) -> None:
        self.ran: Dict[str, List[str]] = {}
        self._handles = []

    def watch(self, manager, model: nn.Module) -> None:
        modules = dict(model.named_modules())
        for recorder in manager.recorders.values():
            module = modules.get(recorder.source)
            module_recorder = isinstance(recorder, ModuleOutputsRecorder)
            if not module_recorder or module is None:
                continue
            for child_name, child in module.named_children():
                path = f'{recorder.source}.{child_name}'
                self._handles.append(
                    child.register_forward_hook(self._mark(path)))

    def _mark(self, path: str):

        def mark(module, inputs, outputs) -> None:
            ran = self.ran.setdefault(path.rsplit('.', 1)[0], [])
            if path not in ran:
                ran.append(path)

        return mark

    def release(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []


def empty_record_error(side: str, name: str, recorder,
                       ran: List[str]) -> GuardError:
    """A recorder recorded nothing: which children did run, and the fix."""
    key = f'{DISTILLER}.{side}_recorders.{name}'
    if ran:
        found = (f'its children that ran are {", ".join(ran)}: record those '
                 "instead, e.g. dict(type='ModuleOutputs', "
                 f'source={ran[0]!r})')
    else:
        found = ('none of its children ran either, so this forward does not '
                 'reach it')
        if side == 'teacher':
            found += (" (teacher_forward='extract_feat', which "
                      "FpnTeacherDistill means, runs only the teacher's "
                      "backbone and neck: to record heads, set "
                      "model.teacher_forward='auto')")
    return GuardError(
        f'{key} (source {recorder.source!r}) recorded nothing in this '
        f'iteration: {recorder.source} was never called; {found}.')


class RecordMisfit(Exception):
    """A record's indices do not fit what its recorder holds; said under
    the mapping's key by :func:`under_key`."""


def under_key(loss_name: str, forward_key: str, get_record, **record):
    """``get_record(**record)``; a :class:`RecordMisfit` is said under the
    mapping's config key."""
    key = f'{DISTILLER}.loss_forward_mappings.{loss_name}.{forward_key}'
    try:
        return get_record(**record)
    except RecordMisfit as misfit:
        raise GuardError(f'{key}: {misfit}') from None


def checked_record_data(recorder, side: str, name: str, record_idx: int,
                        data_idx: Optional[int],
                        tracker: Optional[ChildCallTracker]):
    """What ``recorder.get_record_data(record_idx, data_idx)`` returns,
    once the buffer is checked to hold it.

    Raises:
        GuardError: The recorder recorded nothing (its source never ran).
        RecordMisfit: ``record_idx`` or ``data_idx`` addresses nothing.
    """
    buffer = recorder.data_buffer
    if not buffer:
        ran = tracker.ran.get(recorder.source, []) if tracker else []
        raise empty_record_error(side, name, recorder, ran)
    where = (f'recorder {name!r}, source {recorder.source!r}, which '
             f'recorded {len(buffer)} outputs')
    fix = ('set record_idx (which call) and data_idx (which element of a '
           'tuple output) to what the source gives.')
    if not -len(buffer) <= record_idx < len(buffer):
        raise RecordMisfit(f'record_idx={record_idx} addresses no call '
                           f'({where}): {fix}')
    record = buffer[record_idx]
    if data_idx is not None and not isinstance(record, (list, tuple)):
        raise RecordMisfit(
            f'data_idx={data_idx}, but call {record_idx} gave one '
            f'{type(record).__name__}, not a tuple ({where}): remove '
            'data_idx or ' + fix)
    if data_idx is not None and not -len(record) <= data_idx < len(record):
        raise RecordMisfit(
            f'data_idx={data_idx}, but call {record_idx} gave {len(record)} '
            f'elements ({where}): {fix}')
    return recorder.get_record_data(record_idx, data_idx)


def _input_channels(connector: nn.Module) -> Optional[int]:
    """The input channels of the connector's first convolution, if any."""
    for module in connector.modules():
        if isinstance(module, nn.modules.conv._ConvNd):
            return module.in_channels
    return None


def connector_misfit(name: str, connector: nn.Module, data, side: str,
                     recorder: str) -> Optional[GuardError]:
    """After ``connector`` failed on ``data``: a message if the record's
    channels are not those of the connector's first convolution, else None
    (the failure has another cause)."""
    channels = _input_channels(connector)
    if channels is None or not isinstance(data, Tensor) or data.dim() < 3:
        return None
    if data.shape[1] == channels:
        return None
    return GuardError(
        f'{DISTILLER}.connectors.{name} takes {channels} channels, but the '
        f'record it transforms, from {side} recorder {recorder!r}, has shape '
        f'{tuple(data.shape)}: set its in_channel to {data.shape[1]}.')


def _shapes(value) -> Optional[List[tuple]]:
    """The shapes of a tensor (one) or of a list of tensors (levels)."""
    if isinstance(value, Tensor):
        return [tuple(value.shape)]
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, Tensor) for v in value):
        return [tuple(v.shape) for v in value]
    return None


def _shape_text(shapes: Optional[List[tuple]]) -> str:
    if shapes and len(shapes) == 1:
        return str(shapes[0])
    return str(shapes)


def _connector_hint(loss_name: str, forward_key: str, shape_S: tuple,
                    shape_T: tuple) -> str:
    if len(shape_S) == len(shape_T) == 4 and shape_S[2:] == shape_T[2:]:
        connector = f'{loss_name}_s'
        return (
            f'Add a connector from the student\'s {shape_S[1]} channels to '
            f"the teacher's {shape_T[1]}: {DISTILLER}.connectors=dict("
            f"{connector}=dict(type='ConvModuleConnector', "
            f'in_channel={shape_S[1]}, out_channel={shape_T[1]}, '
            'norm_cfg=None, act_cfg=None)), and connector='
            f"'{connector}' in {DISTILLER}.loss_forward_mappings."
            f'{loss_name}.{forward_key}.')
    return ('The maps differ in size: record student and teacher modules '
            'of the same stride, or add a connector that resizes.')


def input_error(loss_name: str, error: Exception) -> Optional[GuardError]:
    """A loss's own one-line ValueError, which names what is wrong with its
    input and the fix, under the loss's config key; None for anything else
    (a stack trace then shows where it came from)."""
    message = str(error)
    if not isinstance(error, ValueError) or '\n' in message:
        return None
    return GuardError(f'{DISTILLER}.distill_losses.{loss_name}: {message}')


def shape_error(loss_name: str, loss: nn.Module, mapping: dict,
                kwargs: dict, error: Exception) -> Optional[GuardError]:
    """A message for a loss that failed on student and teacher tensors of
    different shapes, or None when their shapes agree (the failure has
    another cause). Decided from the tensors, not from the error's text."""
    shapes = {key: _shapes(value) for key, value in kwargs.items()}
    student = [k for k in kwargs if mapping[k]['from_student'] and shapes[k]]
    teacher = [k for k in kwargs
               if not mapping[k]['from_student'] and shapes[k]]
    if not student or not teacher:
        return None
    key_S, key_T = student[0], teacher[0]
    pairs = [(s, t) for s, t in zip(shapes[key_S], shapes[key_T]) if s != t]
    if not pairs:
        return None

    def described(forward_key):
        record = mapping[forward_key]
        side = 'student' if record['from_student'] else 'teacher'
        where = ', '.join(f'{k}={record[k]}' for k in RECORD_KEYS[2:]
                          if k in record)
        return (f'{forward_key} from {side} recorder {record["recorder"]!r}'
                f'{f" ({where})" if where else ""}: '
                f'{_shape_text(shapes[forward_key])}')

    shape_S, shape_T = pairs[0]
    return GuardError(
        f'{DISTILLER}.distill_losses.{loss_name} ({type(loss).__name__}) '
        f'cannot take {described(key_S)} and {described(key_T)}. '
        f'{_connector_hint(loss_name, key_S, shape_S, shape_T)} '
        f'(The loss said: {str(error).splitlines()[0]})')
