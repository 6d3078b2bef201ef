"""MMRazor configs run with akd's classes: the one place types are swapped.

A config written for MMRazor 1.x names ``SingleTeacherDistill``,
``FpnTeacherDistill`` or ``ConfigurableDistiller``. akd's tools build akd's
registered classes in their place, which add teacher handling and checks
and leave MMRazor's classes as they are:

=========================  ===============================================
the config names           akd's tools build
=========================  ===============================================
``SingleTeacherDistill``   ``FrozenTeacherDistill``
``FpnTeacherDistill``      ``FrozenTeacherDistill``,
                           ``teacher_forward='extract_feat'``
``ConfigurableDistiller``  ``CheckedDistiller``
=========================  ===============================================

The swap is logged once per run. ``--mmrazor-types`` (or
``akd_types=False`` in the config) builds the types as written. A script
that builds MMRazor's classes itself gets MMRazor's behaviour.
"""
from typing import List, Tuple

from mmengine.config import Config
from mmengine.logging import print_log

from ..utils.guard_error import GuardError

# MMRazor's type -> (akd's type, arguments it implies)
AKD_TYPES = {
    'SingleTeacherDistill': ('FrozenTeacherDistill', {}),
    'FpnTeacherDistill': ('FrozenTeacherDistill', {
        'teacher_forward': 'extract_feat'
    }),
    'ConfigurableDistiller': ('CheckedDistiller', {}),
}
SWITCH = 'akd_types'


def _swap(node, key: str, swapped: List[Tuple[str, str, str]]) -> None:
    if isinstance(node, (list, tuple)):
        for index, item in enumerate(node):
            _swap(item, f'{key}.{index}', swapped)
        return
    if not isinstance(node, dict):
        return
    written = node.get('type')
    if isinstance(written, str):
        scope, _, name = written.rpartition('.')
        if name in AKD_TYPES and scope in ('', 'mmrazor'):
            akd_type, implied = AKD_TYPES[name]
            akd_type = f'{scope}.{akd_type}' if scope else akd_type
            for argument, value in implied.items():
                if node.setdefault(argument, value) != value:
                    raise GuardError(
                        f'{key}.{argument}={node[argument]!r}: {written} '
                        f'runs {argument}={value!r} only; for another, '
                        f"set {key}.type='{akd_type}'.")
            node['type'] = akd_type
            swapped.append((key, written, node['type']))
    for name, value in node.items():
        _swap(value, f'{key}.{name}', swapped)


def use_akd_types(cfg: Config, enabled: bool = True) -> List[tuple]:
    """Swap MMRazor's distillation types in ``cfg.model`` for akd's, unless
    ``enabled`` is False or the config sets ``akd_types=False``; log what
    was swapped. Returns ``(config key, written type, built type)`` rows.
    """
    if not enabled or not cfg.get(SWITCH, True) or 'model' not in cfg:
        return []
    swapped = []
    _swap(cfg.model, 'model', swapped)
    if swapped:
        rows = '; '.join(f'{key}: {written} -> {built}'
                         for key, written, built in swapped)
        print_log(
            f"MMRazor's distillation types are built as akd's ({rows}), "
            'which add teacher handling and config checks; pass '
            '--mmrazor-types or set akd_types=False to build them as '
            'written.', logger='current')
    return swapped
