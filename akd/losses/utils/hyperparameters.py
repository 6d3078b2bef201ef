"""The admitted ranges of distillation losses' numeric hyper-parameters.

One table for akd's losses and MMRazor's: temperatures > 0, weights finite
and >= 0, probabilities in [0, 1), counts integers >= 1. A value outside
its range would otherwise be caught only by its consequence (``tau=0``
trains into a non-finite loss). ``akd.distillers.distiller_checks`` applies the
table to every loss config a distiller builds, nested ones (AKD's
``base_loss`` and ``perturbation``) included, so the error names the
config key.

A rule is looked up by class and argument first, then by argument name
(``tau``, ``loss_weight``), then by a name's shape (``*_weight``,
``num_*``). Arguments the table leaves out are the loss's own to check
(e.g. TCS's ``num_components``, an int or a fraction).
"""
import math
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Range:
    """The values a numeric hyper-parameter admits; never NaN or inf.

    Attributes:
        low (float): Lower bound.
        high (float): Upper bound.
        low_open (bool): Whether ``low`` itself is excluded.
        high_open (bool): Whether ``high`` itself is excluded.
        integer (bool): Whether only ``int`` values are admitted.
        optional (bool): Whether None is admitted.
        per_level (bool): Whether a list or tuple of admitted values (one
            per level) is admitted too.
        hint (str): What the value means, for the message.
    """
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    optional: bool = False
    per_level: bool = False
    hint: str = ''

    def admits(self, value) -> bool:
        if self.per_level and isinstance(value, (list, tuple)):
            return len(value) > 0 and all(
                self.admits(level) for level in value)
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if (self.integer and not isinstance(value, int)) or not math.isfinite(
                value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        kind = 'an integer' if self.integer else 'a finite number'
        if math.isinf(self.low) and math.isinf(self.high):
            bound = ''
        elif math.isinf(self.high):
            bound = f'{">" if self.low_open else ">="} {self.low:g}'
        else:
            bound = (f'in {"(" if self.low_open else "["}{self.low:g}, '
                     f'{self.high:g}{")" if self.high_open else "]"}')
        text = f'{kind} {bound}'.strip()
        if self.optional:
            text += ' or None'
        if self.per_level:
            text += ', or a list of them, one per level'
        return text + (f' ({self.hint})' if self.hint else '')

    @property
    def outside(self):
        """A value just outside the range (for tests and examples)."""
        if self.high_open and not math.isinf(self.high):
            return self.high
        if self.low_open:
            return self.low
        if math.isinf(self.low):
            return 0.5 if self.integer else math.nan
        return int(self.low) - 1 if self.integer else self.low - 1


POSITIVE = Range(0, low_open=True)
WEIGHT = Range(0)
PROBABILITY = Range(0, 1, high_open=True)
UNIT = Range(0, 1)
COUNT = Range(1, integer=True)
PAIRS = Range(2, integer=True, hint='at least a pair')
INDEX = Range(0, integer=True)
CLASSES = Range(2, integer=True, optional=True,
                hint="the head's number of classes")

BY_NAME = {
    'tau': POSITIVE,
    'temperature': POSITIVE,
    'T': POSITIVE,
    'eps': POSITIVE,
    'loss_weight': WEIGHT,
    'num_classes': CLASSES,
    'p': Range(0, 1, high_open=True, hint='a drop probability'),
    'sigma': WEIGHT,
    'margin': WEIGHT,
    'momentum': UNIT,
    'neg_num': COUNT,
    'sample_n': COUNT,
    'dim_out': COUNT,
    'ignore_index': Range(integer=True),
    'channels': Range(1, integer=True, per_level=True),
}
BY_CLASS = {
    ('AvatarSpatialDropout', 'block_size'): Range(
        1, integer=True, hint='and odd'),
    ('BAKELoss', 'omega'): PROBABILITY,
    ('BAKELoss', 'num_samples'): PAIRS,
    ('BDKDLoss', 'emphasis'): Range(0, low_open=True,
                                    hint='1 gives the symmetric KL'),
    ('DKDLoss', 'alpha'): WEIGHT,
    ('DKDLoss', 'beta'): WEIGHT,
    ('DenseDKDLoss', 'alpha'): WEIGHT,
    ('DenseDKDLoss', 'beta'): WEIGHT,
    ('FreeKDLoss', 'num_prompts'): PAIRS,
    ('FreeKDLoss', 'prompts_level'): INDEX,
    ('FreeKDLoss', 'wavelet_levels'): COUNT,
    ('L2Loss', 'mult'): WEIGHT,
    ('MasKDLoss', 'num_tokens'): PAIRS,
    ('MasKDLoss', 'tokens_level'): INDEX,
    ('MasKDLoss', 'custom_mask_warmup'): Range(0, integer=True,
                                               optional=True),
    ('MGDLoss', 'alpha_mgd'): WEIGHT,
    ('NKDLoss', 'gamma'): WEIGHT,
    ('OFDLoss', 'mul_factor'): POSITIVE,
    ('QualityFocalKDLoss', 'beta'): WEIGHT,
    ('TFNKDLoss', 'alpha'): WEIGHT,
    ('TCSLoss', 'basis_samples'): COUNT,
    ('TCSLoss', 'num_components'): None,  # an int or a fraction: TCS's own
    ('TFNKDLoss', 'beta'): WEIGHT,
    ('ZipfLSLoss', 'power'): Range(0, hint='1 is the Zipf law'),
}


def hyperparameter_range(class_name: str, name: str) -> Optional[Range]:
    """The range of argument ``name`` of class ``class_name``, or None
    when the table leaves it to the class."""
    if (class_name, name) in BY_CLASS:
        return BY_CLASS[class_name, name]
    if name in BY_NAME:
        return BY_NAME[name]
    if name.endswith('_weight'):
        return WEIGHT
    if name.startswith('num_'):
        return COUNT
    return None


def out_of_range(class_name: str, name: str, value) -> Optional[str]:
    """``'must be <range>, got <value>'`` if ``value`` lies outside the
    range of argument ``name`` of class ``class_name``; None if it lies
    inside, or the table has no range for it."""
    rule = hyperparameter_range(class_name, name)
    if rule is None or rule.admits(value):
        return None
    return f'must be {rule}, got {value!r}'
