"""akd's CheckedDistiller checks its wiring; MMRazor's ConfigurableDistiller
stays as MMRazor wrote it."""
import pytest
import torch
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS
from torch import nn

import akd  # noqa: F401
from akd.utils.guard_error import GuardError


def _distiller(**changes):
    cfg = dict(
        type='CheckedDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='conv')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='conv')),
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence')),
        loss_forward_mappings=dict(loss_cwd=dict(
            preds_S=dict(recorder='feat', from_student=True),
            preds_T=dict(recorder='feat', from_student=False))))
    cfg.update(changes)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        return MODELS.build(cfg)


class Pyramid(nn.ModuleList):
    """A ModuleList that is called, as mmseg's PPM is."""

    def forward(self, x):
        return [module(x) for module in self]


class Net(nn.Module):

    def __init__(self, width=4):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 1)
        self.blocks = nn.ModuleList([nn.Identity()])
        self.pyramid = Pyramid([nn.Identity()])

    def forward(self, x):
        return self.pyramid(self.conv(x))[0]


def _record(distiller, student: nn.Module, teacher: nn.Module) -> tuple:
    """Prepare ``distiller`` on both models, run them once; return what
    they computed."""
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    x = torch.randn(2, 3, 4, 4)
    with distiller.student_recorders, distiller.teacher_recorders:
        return student(x), teacher(x)


def test_a_wired_distiller_computes_its_loss():
    distiller = _distiller()
    preds_S, preds_T = _record(distiller, Net(), Net())
    with DefaultScope.overwrite_default_scope('mmrazor'):
        cwd = MODELS.build(dict(type='ChannelWiseDivergence'))
    torch.testing.assert_close(distiller.compute_distill_losses()['loss_cwd'],
                               cwd(preds_S, preds_T))


@pytest.mark.parametrize('changes, match', [
    (dict(distill_losses=dict(cwd=dict(type='ChannelWiseDivergence')),
          loss_forward_mappings={}), "distill_losses.cwd: the key lacks"),
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
    _record(distiller, Net(4), Net(8))
    with pytest.raises(GuardError, match=r'in_channel=4, out_channel=8'):
        distiller.compute_distill_losses()


def test_a_module_list_with_a_forward_may_be_recorded():
    distiller = _distiller(student_recorders=dict(
        feat=dict(type='ModuleOutputs', source='pyramid')))
    net = Net()
    distiller.prepare_from_student(net)
    x = torch.randn(1, 3, 2, 2)
    with distiller.student_recorders:
        out = net(x)
    recorded = distiller.student_recorders.recorders['feat'].data_buffer
    assert len(recorded) == 1 and torch.equal(recorded[0][0], out)


def test_idle_loss_and_connector_only_warn(monkeypatch):
    """MMRazor's Factor Transfer keeps stage-1 parts idle in stage 2."""
    from akd.distillers import distiller_checks
    logged = []
    monkeypatch.setattr(distiller_checks, 'print_log',
                        lambda message, **kwargs: logged.append(message))
    _distiller(
        distill_losses=dict(
            loss_cwd=dict(type='ChannelWiseDivergence'),
            loss_l2=dict(type='L2Loss')),
        connectors=dict(idle=dict(type='ConvModuleConnector', in_channel=4,
                                  out_channel=4)))
    assert logged[0].startswith(
        'model.distiller.distill_losses.loss_l2 has no entry in '
        'model.distiller.loss_forward_mappings, so it is never computed: '
        'add loss_l2=dict(s_feature=dict(recorder=..., from_student=...), '
        't_feature=dict(recorder=..., from_student=...))')
    assert logged[1].startswith(
        'model.distiller.connectors.idle is used by no record')


def test_builder_configs_and_scopes_are_not_second_guessed():
    """``norm_cfg`` is read by mmcv's builder (``requires_grad`` is not a
    BatchNorm argument); ``_scope_`` names the registry to look in."""
    from mmdet.models.losses import FocalLoss
    distiller = _distiller(
        distill_losses=dict(
            loss_cwd=dict(type='ChannelWiseDivergence'),
            loss_focal=dict(type='FocalLoss', _scope_='mmdet')),
        connectors=dict(proj=dict(
            type='ConvModuleConnector', in_channel=4, out_channel=4,
            norm_cfg=dict(type='BN', requires_grad=True))),
        loss_forward_mappings=dict(
            loss_cwd=dict(
                preds_S=dict(recorder='feat', from_student=True,
                             connector='proj'),
                preds_T=dict(recorder='feat', from_student=False)),
            loss_focal=dict(
                pred=dict(recorder='feat', from_student=True),
                target=dict(recorder='feat', from_student=False))))
    assert isinstance(distiller.distill_losses['loss_focal'], FocalLoss)
    norms = [m for m in distiller.connectors['proj'].modules()
             if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 1
    assert all(p.requires_grad for p in norms[0].parameters())


def test_nested_loss_arguments_are_checked():
    with pytest.raises(GuardError, match=r'loss_akd.base_loss.tua: '
                       "ChannelWiseDivergence takes no argument 'tua'"):
        _distiller(
            distill_losses=dict(loss_akd=dict(
                type='AvatarKDLoss',
                base_loss=dict(type='ChannelWiseDivergence', tua=1))),
            loss_forward_mappings=dict(loss_akd=dict(
                preds_S=dict(recorder='feat', from_student=True),
                preds_T=dict(recorder='feat', from_student=False))))


def test_a_connector_that_does_not_fit_its_record_is_named():
    distiller = _distiller(
        connectors=dict(proj=dict(type='ConvModuleConnector', in_channel=8,
                                  out_channel=4)),
        loss_forward_mappings=dict(loss_cwd=dict(
            preds_S=dict(recorder='feat', from_student=True,
                         connector='proj'),
            preds_T=dict(recorder='feat', from_student=False))))
    _record(distiller, Net(4), Net(4))
    with pytest.raises(GuardError, match=r'model.distiller.connectors.proj '
                       r'takes 8 channels, but the record it transforms, from '
                       r"student recorder 'feat', has shape \(2, 4, 4, 4\): "
                       r'set its in_channel to 4'):
        distiller.compute_distill_losses()


@pytest.mark.parametrize('error', [
    torch.cuda.OutOfMemoryError('CUDA out of memory'),
    RuntimeError('any words about a shape or channels'),
])
def test_failures_the_tensors_do_not_explain_are_not_reworded(
        monkeypatch, error):
    """Out of memory on maps of different widths, and any failure on
    maps of the same shape, reach the user as raised: what is said is
    decided from the tensors, not from the error's words."""
    distiller = _distiller()
    widths = 8 if isinstance(error, torch.cuda.OutOfMemoryError) else 4
    _record(distiller, Net(4), Net(widths))

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(distiller.distill_losses.loss_cwd, 'forward', fail)
    with pytest.raises(type(error), match=f'^{error}$'):
        distiller.compute_distill_losses()


@pytest.mark.parametrize('record, match', [
    (dict(record_idx=1), r'preds_T: record_idx=1 addresses no call '
     r"\(recorder 'feat', source 'conv', which recorded 1 outputs\)"),
    (dict(data_idx=0), r'preds_T: data_idx=0, but call 0 gave one Tensor, '
     'not a tuple'),
])
def test_record_indices_are_checked_against_the_records(record, match):
    distiller = _distiller(loss_forward_mappings=dict(loss_cwd=dict(
        preds_S=dict(recorder='feat', from_student=True),
        preds_T=dict(recorder='feat', from_student=False, **record))))
    _record(distiller, Net(), Net())
    with pytest.raises(GuardError, match='model.distiller.loss_forward_'
                       'mappings.loss_cwd.' + match):
        distiller.compute_distill_losses()


def test_a_recorder_whose_source_never_ran_names_what_did():
    distiller = _distiller(teacher_recorders=dict(
        feat=dict(type='ModuleOutputs', source='blocks.0')))
    _record(distiller, Net(), Net())
    with pytest.raises(GuardError, match=r'teacher_recorders.feat \(source '
                       r"'blocks.0'\) recorded nothing in this iteration"):
        distiller.compute_distill_losses()


def test_mmrazors_own_distiller_keeps_its_own_checks():
    """Built by name from a script, MMRazor's ConfigurableDistiller
    raises MMRazor's own AssertionError for a mapping of no loss."""
    from mmrazor.models.distillers import ConfigurableDistiller
    with pytest.raises(AssertionError):
        _distiller(type='ConfigurableDistiller', distill_losses=None)
    built = _distiller(type='ConfigurableDistiller')
    assert type(built) is ConfigurableDistiller
