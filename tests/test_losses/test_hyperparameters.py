"""Every registered distillation loss refuses an out-of-range value of each
of its numeric hyper-parameters when a distiller builds it, naming the
config key; akd's losses and MMRazor's alike.

The cases are read off the registry and the constructors' signatures, so a
loss added later is covered, and a numeric argument that neither the
range table nor the loss itself checks fails here.
"""
import inspect
import math

import pytest
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

import akd  # noqa: F401
from akd.losses.utils.hyperparameters import (BY_CLASS, COUNT, Range,
                                              hyperparameter_range)
from akd.utils.guard_error import GuardError

KEY = 'model.distiller.distill_losses.loss_x'
# Arguments a loss cannot be built without, given valid values.
REQUIRED = {
    'AnchorBoxIoUKDLoss': dict(num_classes=4),
    'AvatarKDLoss': dict(base_loss=dict(type='ChannelWiseDivergence')),
    'FreeKDLoss': dict(channels=8, prompts_ckpt=None),
    'LevelSumLoss': dict(base_loss=dict(type='mmdet.MSELoss')),
    'MasKDLoss': dict(channels=8, tokens_ckpt=None),
    'TCSLoss': dict(channels=8),
}
PERTURBATIONS = ('AvatarDropout', 'AvatarChannelDropout',
                 'AvatarSpatialDropout', 'AvatarGaussianNoise')


def _is_loss(cls) -> bool:
    return cls.__module__.startswith(('akd.losses', 'mmrazor.models.losses'))


def _numeric_arguments(cls):
    """Constructor arguments with a number, or None and a numeric type, as
    default (bools and strings are choices, not ranges)."""
    for parameter in list(inspect.signature(
            cls.__init__).parameters.values())[1:]:
        default = parameter.default
        numeric = (isinstance(default, (int, float))
                   and not isinstance(default, bool))
        typed = default is None and any(
            name in str(parameter.annotation) for name in ('int', 'float'))
        if numeric or typed:
            yield parameter.name


CASES = sorted((name, argument)
               for name, cls in MODELS.module_dict.items()
               if _is_loss(cls) or name in PERTURBATIONS
               for argument in _numeric_arguments(cls))


def _build(loss_type: str, **arguments):
    """A CheckedDistiller building one loss (a perturbation inside an
    AvatarKDLoss) with ``arguments``."""
    if loss_type in PERTURBATIONS:
        loss = dict(type='AvatarKDLoss',
                    base_loss=dict(type='ChannelWiseDivergence'),
                    perturbation=dict(type=loss_type, **arguments))
    else:
        loss = dict(type=loss_type, **{**REQUIRED.get(loss_type, {}),
                                       **arguments})
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(
            dict(type='CheckedDistiller',
                 distill_losses=dict(loss_x=loss)))


def _key(loss_type: str, argument: str) -> str:
    if loss_type in PERTURBATIONS:
        return f'{KEY}.perturbation.{argument}'
    return f'{KEY}.{argument}'


def test_every_registered_loss_is_covered():
    names = {name for name, _ in CASES}
    assert {'ChannelWiseDivergence', 'PKDLoss', 'MGDLoss', 'CRDLoss',
            'KLDivergence', 'AvatarKDLoss', 'DenseKLDivergence',
            'AvatarDropout'} <= names
    assert len(CASES) > 80


@pytest.mark.parametrize('loss_type, argument', CASES,
                         ids=[f'{n}.{a}' for n, a in CASES])
def test_nan_is_refused_naming_the_key(loss_type, argument):
    with pytest.raises((GuardError, ValueError)) as error:
        _build(loss_type, **{argument: math.nan})
    assert _key(loss_type, argument) in str(error.value) or (
        KEY in str(error.value) and argument in str(error.value))


@pytest.mark.parametrize('loss_type, argument', CASES,
                         ids=[f'{n}.{a}' for n, a in CASES])
def test_value_outside_the_range_is_refused_naming_the_key(
        loss_type, argument):
    rule = hyperparameter_range(loss_type, argument)
    if rule is None:  # the loss checks it itself (e.g. TCS's fraction)
        assert (loss_type, argument) in BY_CLASS
        rule = COUNT
    with pytest.raises((GuardError, ValueError)) as error:
        _build(loss_type, **{argument: rule.outside})
    message = str(error.value)
    assert message.startswith(_key(loss_type, argument)) or (
        message.startswith(KEY) and argument in message), message


@pytest.mark.parametrize('loss_type, argument, value, expected', [
    ('ChannelWiseDivergence', 'tau', 0,
     f'{KEY}.tau must be a finite number > 0, got 0'),
    ('KLDivergence', 'tau', -1.0,
     f'{KEY}.tau must be a finite number > 0, got -1.0'),
    ('PKDLoss', 'loss_weight', math.inf,
     f'{KEY}.loss_weight must be a finite number >= 0, got inf'),
    ('CRDLoss', 'momentum', 1.5,
     f'{KEY}.momentum must be a finite number in [0, 1], got 1.5'),
    ('MGDLoss', 'alpha_mgd', -2e-5,
     f'{KEY}.alpha_mgd must be a finite number >= 0, got -2e-05'),
    ('AvatarKDLoss', 'num_avatars', 4.0,
     f'{KEY}.num_avatars must be an integer >= 1, got 4.0'),
    ('AvatarDropout', 'p', 1.0, f'{KEY}.perturbation.p must be a finite '
     'number in [0, 1) (a drop probability), got 1.0'),
    ('FreeKDLoss', 'channels', [256, 0],
     f'{KEY}.channels must be an integer >= 1, or a list of them, one per '
     'level, got [256, 0]'),
], ids=lambda value: str(value)[:40])
def test_message_names_key_range_and_value(loss_type, argument, value,
                                           expected):
    with pytest.raises(GuardError) as error:
        _build(loss_type, **{argument: value})
    assert str(error.value).startswith(expected), str(error.value)


@pytest.mark.parametrize('loss_type, arguments', [
    ('ChannelWiseDivergence', dict(tau=0.5, loss_weight=0)),
    ('AvatarDropout', dict(p=0.0)),
    ('FreeKDLoss', dict(channels=[8, 8], wavelet_levels=1)),
    ('DenseDKDLoss', dict(num_classes=None)),
])
def test_values_inside_the_range_build(loss_type, arguments):
    _build(loss_type, **arguments)


def test_range_admits_its_bounds_and_nothing_outside():
    fraction = Range(0, 1, high_open=True)
    assert fraction.admits(0) and fraction.admits(0.999)
    assert not any(
        fraction.admits(v) for v in (1, -1e-9, math.nan, math.inf, '0.5',
                                     True, None))
    count = Range(1, integer=True, optional=True)
    assert count.admits(None) and count.admits(3)
    assert not count.admits(3.0) and not count.admits(0)
