"""A distillation config from a student config, a teacher config and a
method name, for ``tools/distill.py``.

The method's distiller comes from its base config under ``configs/``. The
student's config gives data, schedule and runtime. Recorder sources and
connectors follow from running both models once (``probe_model``), and a
pairing the method cannot serve is refused with the reason.
"""
import copy
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Tuple

from mmengine.config import Config, ConfigDict

from ..utils.guard_error import GuardError
from .model_probe import PROBE_SIZE, ModelFacts, probe_model
from .preflight import load_config

NECK, HEAD, SEG_LOGITS = 'neck', 'bbox_head', 'decode_head.conv_seg'


@dataclass(frozen=True)
class Method:
    """What ``--method NAME`` distils, and its distiller base per task
    (relative to ``configs/``)."""
    summary: str
    bases: Dict[str, str]


METHODS = {
    'cwd-fpn': Method('CWD on every level of a detector\'s neck',
                      {'det': 'cwd/_base_/cwd_fpn.py'}),
    'akd-cwd-fpn': Method('AKD-CWD on every level of a detector\'s neck',
                          {'det': 'akd/_base_/akd-cwd_fpn.py'}),
    'cwd-logits': Method('CWD on a segmentor\'s logits',
                         {'seg': 'cwd/_base_/cwd_logits.py'}),
    'akd-cwd-logits': Method('AKD-CWD on a segmentor\'s logits',
                             {'seg': 'akd/_base_/akd-cwd_logits.py'}),
    'dkd-logits': Method(
        'DKD on a segmentor\'s logits or a one-stage detector\'s '
        'classification logits',
        {'det': 'dkd/_base_/dkd_det-logits.py',
         'seg': 'dkd/_base_/dkd_seg-logits.py'}),
}
TASKS = {'det': 'a detector', 'seg': 'a segmentor'}


class PairingError(GuardError):
    """The method cannot distil this student from this teacher."""


def compose_distillation(student: str, teacher: str, teacher_ckpt: str,
                         method: str,
                         configs_root: str) -> Tuple[Config, List[str]]:
    """The distillation config, and what was decided (connectors added),
    one line each."""
    if method not in METHODS:
        raise PairingError(
            f'--method {method!r} is not one of {sorted(METHODS)}.')
    facts_S, facts_T = probe_model(student), probe_model(teacher)
    base = _method_base(METHODS[method], method, facts_S, facts_T)
    distiller_cfg = load_config(osp.join(configs_root, base)).model
    recorded = {
        r.source
        for r in distiller_cfg.distiller.student_recorders.values()
        if 'source' in r
    }
    notes = []
    if NECK in recorded:
        notes += _check_necks(method, facts_S, facts_T, distiller_cfg)
    if HEAD in recorded:
        _check_head_logits(method, facts_S, facts_T, distiller_cfg)
    if SEG_LOGITS in recorded:
        _check_seg_logits(method, facts_S, facts_T, distiller_cfg)
    _set_num_classes(distiller_cfg.distiller.distill_losses,
                     facts_S.num_classes)
    return _composed(student, teacher, teacher_ckpt, distiller_cfg), notes


def _method_base(spec: Method, method: str, facts_S: ModelFacts,
                 facts_T: ModelFacts) -> str:
    if facts_S.task != facts_T.task:
        raise PairingError(
            f'the student {facts_S.name} is {TASKS[facts_S.task]} '
            f'({facts_S.kind}) but the teacher {facts_T.name} is '
            f'{TASKS[facts_T.task]} ({facts_T.kind}): give two detectors '
            'or two segmentors.')
    if facts_S.task not in spec.bases:
        fitting = sorted(m for m, s in METHODS.items()
                         if facts_S.task in s.bases)
        raise PairingError(
            f'--method {method} is {spec.summary}, but {facts_S.name} is '
            f'{TASKS[facts_S.task]} ({facts_S.kind}). For it use one of '
            f'{fitting}.')
    return spec.bases[facts_S.task]


def _check_necks(method: str, facts_S: ModelFacts, facts_T: ModelFacts,
                 distiller_cfg: ConfigDict) -> List[str]:
    for facts in (facts_S, facts_T):
        if facts.neck is None:
            raise PairingError(
                f'--method {method} distils the neck, but {facts.name} '
                f'({facts.kind}) has none (model.neck). Use --method '
                'dkd-logits for a one-stage head, or add a neck.')
    if len(facts_S.neck) != len(facts_T.neck):
        raise PairingError(
            f'--method {method}: the student\'s neck gives '
            f'{len(facts_S.neck)} levels and the teacher\'s '
            f'{len(facts_T.neck)}; set the same model.neck.num_outs in '
            'both.')
    _check_sizes(method, 'neck', facts_S.neck, facts_T.neck)
    widths_S = [s[1] for s in facts_S.neck]
    widths_T = [s[1] for s in facts_T.neck]
    if widths_S == widths_T:
        return []
    _add_level_connectors(distiller_cfg.distiller, widths_S, widths_T)
    return [
        f'the student\'s neck has {_widths(widths_S)} channels and the '
        f'teacher\'s {_widths(widths_T)}: added a 1x1 ConvModuleConnector '
        f'per level (model.distiller.connectors.fpn0..fpn'
        f'{len(widths_S) - 1}), trained with the student and dropped on '
        'export.'
    ]


def _widths(widths: List[int]) -> str:
    return str(widths[0]) if len(set(widths)) == 1 else str(widths)


def _check_sizes(method: str, part: str, shapes_S: List[tuple],
                 shapes_T: List[tuple]) -> None:
    for level, (shape_S, shape_T) in enumerate(zip(shapes_S, shapes_T)):
        if shape_S[2:] != shape_T[2:]:
            raise PairingError(
                f'--method {method}: level {level} of the {part} is '
                f'{shape_S[2]}x{shape_S[3]} in the student but '
                f'{shape_T[2]}x{shape_T[3]} in the teacher (for a '
                f'{PROBE_SIZE[0]}x{PROBE_SIZE[1]} image); no connector '
                'fixes another stride: give both the same strides.')


def _check_head_logits(method: str, facts_S: ModelFacts, facts_T: ModelFacts,
                       distiller_cfg: ConfigDict) -> None:
    for facts in (facts_S, facts_T):
        if facts.two_stage or facts.head_logits is None:
            raise PairingError(
                f'--method {method} distils a one-stage head\'s '
                f'classification logits on the anchors its label '
                f'assignment calls positive, but {facts.name} is a '
                f'{facts.kind}, whose RPN would be recorded with them. '
                'Use --method cwd-fpn or akd-cwd-fpn on its neck.')
    if facts_S.label_source is None:
        raise PairingError(
            f'--method {method} needs the student\'s class per anchor or '
            f'point, which akd records from AnchorHead and FCOSHead '
            f'(RetinaNet, ATSS, FCOS, ...), not from the head of '
            f'{facts_S.name} ({facts_S.kind}). Use --method cwd-fpn or '
            'akd-cwd-fpn on its neck.')
    for recorder in distiller_cfg.distiller.student_recorders.values():
        if recorder.type == 'DetTargetLabels':
            recorder.source = facts_S.label_source
    channels_S = [s[1] for s in facts_S.head_logits]
    channels_T = [s[1] for s in facts_T.head_logits]
    if channels_S != channels_T:
        raise PairingError(
            f'--method {method}: the student\'s head gives '
            f'{channels_S[0]} logits per position and the teacher\'s '
            f'{channels_T[0]} (anchors x classes): give both heads the '
            'same num_classes and anchor_generator.')
    _check_sizes(method, 'head', facts_S.head_logits, facts_T.head_logits)


def _check_seg_logits(method: str, facts_S: ModelFacts, facts_T: ModelFacts,
                      distiller_cfg: ConfigDict) -> None:
    if facts_S.num_classes != facts_T.num_classes:
        raise PairingError(
            f'--method {method}: the student segments '
            f'{facts_S.num_classes} classes and the teacher '
            f'{facts_T.num_classes}; logits can only be distilled between '
            'the same classes (model.decode_head.num_classes).')
    _check_sizes(method, 'decode head', [facts_S.seg_logits],
                 [facts_T.seg_logits])
    distiller = distiller_cfg.distiller
    for recorders, facts in ((distiller.student_recorders, facts_S),
                             (distiller.teacher_recorders, facts_T)):
        for recorder in recorders.values():
            if recorder.get('source') == SEG_LOGITS:
                recorder.source = facts.seg_logits_source


def _add_level_connectors(distiller: ConfigDict, widths_S: List[int],
                          widths_T: List[int]) -> None:
    """A connector per neck level, named in each student mapping; a loss
    given the whole neck tuple is split into one loss per level."""
    distiller.connectors = {
        f'fpn{level}': dict(type='ConvModuleConnector', in_channel=c_S,
                            out_channel=c_T, kernel_size=1)
        for level, (c_S, c_T) in enumerate(zip(widths_S, widths_T))
    }
    losses, mappings = {}, {}
    for name, mapping in distiller.loss_forward_mappings.items():
        levels = ([mapping.preds_S.data_idx] if 'data_idx' in mapping.preds_S
                  else range(len(widths_S)))
        for level in levels:
            key = name if 'data_idx' in mapping.preds_S else f'{name}{level}'
            loss = copy.deepcopy(distiller.distill_losses[name])
            if 'log_name' in loss or loss.type == 'AvatarKDLoss':
                loss.log_name = f'{loss.get("log_name", "akd")}{level}'
            level_mapping = copy.deepcopy(mapping)
            for preds in level_mapping.values():
                preds.data_idx = level
            level_mapping.preds_S.connector = f'fpn{level}'
            losses[key], mappings[key] = loss, level_mapping
    distiller.distill_losses, distiller.loss_forward_mappings = (losses,
                                                                 mappings)


def _set_num_classes(losses: ConfigDict, num_classes: int) -> None:
    for loss in losses.values():
        for cfg in (loss, loss.get('base_loss') or {}):
            if 'num_classes' in cfg:
                cfg.num_classes = num_classes


def _composed(student: str, teacher: str, teacher_ckpt: str,
              distiller_cfg: ConfigDict) -> Config:
    """The student's config (data, schedule, runtime) around the
    distiller."""
    cfg = load_config(student)
    model = copy.deepcopy(distiller_cfg)
    model.architecture = dict(cfg_path=student, pretrained=False)
    model.teacher = dict(cfg_path=teacher, pretrained=False)
    model.teacher_ckpt = teacher_ckpt
    cfg.model = model
    # The runner would give a top-level one to the distiller, in place of
    # the student's own (mmseg configs set size only in the model's).
    cfg.pop('data_preprocessor', None)
    imports = list(cfg.get('custom_imports', {}).get('imports', []))
    if 'akd' not in imports:
        imports.append('akd')
    cfg.custom_imports = dict(imports=imports, allow_failed_imports=False)
    cfg.val_cfg = dict(type='mmrazor.SingleTeacherDistillValLoop')
    return cfg
