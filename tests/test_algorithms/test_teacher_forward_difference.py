"""What the 'auto' teacher forward logs when a probe differs from 'loss'."""
import torch

from akd.algorithms.teacher_forward import MISSING, difference

KEY = ('loss_kd', 'preds_T')


def test_equal_records_within_float32_rounding_have_no_difference():
    x = torch.randn(2, 3)
    assert difference({KEY: x * (1 + 1e-6)}, {KEY: x}) is None


def test_record_missing_from_both_forwards_keeps_the_loss_mode():
    # 'loss' is then chosen, so the distiller's own check names the recorder
    assert difference({KEY: MISSING}, {KEY: MISSING}) == (
        'records nothing for loss_kd.preds_T')


def test_record_only_the_probe_has_is_named_as_such():
    message = difference({KEY: torch.zeros(2, 3)}, {KEY: MISSING})
    assert message == ('records shape (2, 3) for loss_kd.preds_T, where the '
                       'loss-mode forward records nothing')


def test_record_only_the_loss_mode_has_is_named():
    message = difference({KEY: MISSING}, {KEY: torch.zeros(1)})
    assert message == 'records nothing for loss_kd.preds_T'


def test_other_shapes_and_values_are_named():
    x = torch.randn(2, 3)
    assert difference({KEY: (x, x)}, {KEY: (x, x[:1])}) == (
        'records shape (2, 3) instead of shape (1, 3) for loss_kd.preds_T')
    assert difference({KEY: x + 1}, {KEY: x}) == (
        'records other values for loss_kd.preds_T')
