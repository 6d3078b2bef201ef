"""MMRazor's ConfigurableDistiller, built from a script, checks its wiring."""
import pytest
import torch
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS
from torch import nn

import akd  # noqa: F401
from akd.engine.guard_error import GuardError


def _distiller(**changes):
    cfg = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='conv')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='conv')),
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence')),
        loss_forward_mappings=dict(loss_cwd=dict(
            preds_S=dict(recorder='feat', from_student=True),
            preds_T=dict(recorder='feat', from_student=False))))
    cfg.update(changes)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(cfg)


class Net(nn.Module):

    def __init__(self, width=4):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 1)
        self.blocks = nn.ModuleList([nn.Identity()])

    def forward(self, x):
        return self.conv(x)


def test_a_wired_distiller_computes_its_loss():
    distiller = _distiller()
    student, teacher = Net(), Net()
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    with distiller.student_recorders, distiller.teacher_recorders:
        student(torch.randn(2, 3, 4, 4)), teacher(torch.randn(2, 3, 4, 4))
    assert distiller.compute_distill_losses()['loss_cwd'] > 0


@pytest.mark.parametrize('changes, match', [
    (dict(distill_losses=dict(cwd=dict(type='ChannelWiseDivergence')),
          loss_forward_mappings={}), "distill_losses.cwd: the key lacks"),
    (dict(loss_forward_mappings={}),
     'distill_losses.loss_cwd has no entry in'),
    (dict(loss_forward_mappings=dict(loss_cwd=dict(
        preds_S=dict(recorder='feat', from_student=True)))),
     r'loss_cwd does not map preds_T, which ChannelWiseDivergence.forward '
     'needs'),
    (dict(loss_forward_mappings=dict(loss_cwd=dict(
        preds_S=dict(recorder='feat', from_student='yes'),
        preds_T=dict(recorder='feat', from_student=False)))),
     "preds_S.from_student must be True or False, got 'yes'"),
])
def test_wiring_mistakes_fail_at_build(changes, match):
    with pytest.raises(GuardError, match=match):
        _distiller(**changes)


def test_recorder_on_a_module_list_fails_when_prepared():
    distiller = _distiller(student_recorders=dict(
        feat=dict(type='ModuleOutputs', source='blocks')))
    with pytest.raises(GuardError, match=r"student_recorders.feat.source="
                       r"'blocks' is a ModuleList.*\(blocks.0\)"):
        distiller.prepare_from_student(Net())


def test_widths_that_differ_name_the_connector():
    distiller = _distiller()
    student, teacher = Net(4), Net(8)
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    with distiller.student_recorders, distiller.teacher_recorders:
        student(torch.randn(2, 3, 4, 4)), teacher(torch.randn(2, 3, 4, 4))
    with pytest.raises(GuardError, match=r'in_channel=4, out_channel=8'):
        distiller.compute_distill_losses()
