"""OnlineDistill: who learns, from whom, and what a bad config is told."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmrazor.registry import MODELS

import akd.algorithms.peer_switch as peer_switch
from akd.tooling.synthetic_batch import det_batch, seg_batch
from akd.utils.guard_error import GuardError
from conftest import REPO
from distill_step import build_without_weights, peer_optimizers
from tolerances import assert_close_float32

DML_SEG = 'configs/dml/dml_logits_pspnet-r18-w16-d8x2_toy-cityscapes.py'
SWITOKD_SEG = ('configs/switokd/switokd_logits_pspnet-r18-w32-d8_'
               'pspnet-r18-w16-d8_toy-cityscapes.py')
SOKD_SEG = ('configs/sokd/sokd_logits_pspnet-r18-w32-d8_'
            'pspnet-r18-w16-d8_toy-cityscapes.py')
SWITOKD_DET = ('configs/switokd/switokd_logits_retina-r18-w32_'
               'retina-r18-w16_toy-coco.py')


def build(path, batch_size=2, **model_options):
    model, _ = build_without_weights(path, **model_options)
    if 'cityscapes' in path:
        batch = seg_batch(batch_size)
    else:
        batch = det_batch(model, batch_size)
    return model, dict(inputs=batch[0], data_samples=batch[1])


def step(model, data):
    """One train step; the names of the parameters it moved."""
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    log_vars = model.train_step(data, peer_optimizers(model))
    moved = {k for k, p in model.named_parameters()
             if not torch.equal(before[k], p)}
    return log_vars, moved


def params_of(model, peer):
    return {k for k, _ in model.named_parameters() if k.startswith(peer + '.')}


def test_mutual_loss_reaches_only_the_learner():
    model, data = build(DML_SEG)
    data = model.data_preprocessor(data, True)
    for name in model.peer_names:
        with model.recorders[name]:
            getattr(model, name)(**data, mode='loss')
    loss = sum(model.mutual_losses('peer1', 'peer2').values())
    loss.backward()
    grads = {k: p.grad for k, p in model.named_parameters()}
    assert all(grads[k] is None for k in params_of(model, 'peer2'))
    logits = [k for k in params_of(model, 'peer1')
              if 'decode_head.conv_seg' in k]
    assert logits and all(grads[k] is not None for k in logits)


def test_dml_every_peer_learns_from_the_other():
    model, data = build(DML_SEG)
    log_vars, moved = step(model, data)
    assert moved == params_of(model, 'peer1') | params_of(model, 'peer2')
    assert log_vars['peer1.loss_kl_peer2'] > 0
    assert log_vars['peer2.loss_kl_peer1'] > 0


@pytest.mark.parametrize('expert', [True, False])
def test_switokd_teacher_learns_only_in_learning_mode(expert, monkeypatch):
    def forced(sums):
        return expert, dict(gap=1.0, threshold=0.5, expert=float(expert))

    monkeypatch.setattr(peer_switch, 'switokd_mode', forced)
    model, data = build(SWITOKD_SEG)
    log_vars, moved = step(model, data)
    teacher = params_of(model, 'teacher')
    assert params_of(model, 'student') <= moved
    assert (moved & teacher == set()) if expert else (teacher <= moved)
    assert log_vars['switch.expert'] == float(expert)
    assert ('teacher.loss_kl_student' in log_vars) != expert
    assert 'teacher.decode.loss_ce' in log_vars  # logged while paused


def test_switokd_switches_from_expert_to_learning_mode():
    """A teacher trained ahead on a learnable batch (each 8x8 block labelled
    with its brightest channel) pauses while the student catches up, then
    both learn again: the mode switches within a short run."""
    torch.manual_seed(0)
    model, data = build(SWITOKD_SEG)
    model.init_weights()
    blocks = torch.randn(2, 3, 8, 16)
    data['inputs'] = F.interpolate(blocks, scale_factor=8.0)
    labels = F.interpolate(blocks.argmax(1, keepdim=True).float(),
                           scale_factor=8.0).long()
    for sample, label in zip(data['data_samples'], labels):
        sample.gt_sem_seg.data = label
    optim = peer_optimizers(model, lr=2e-3, optimizer='AdamW')
    preprocessed = model.data_preprocessor(data, True)
    for _ in range(10):
        loss, _ = model.parse_losses(model.teacher(**preprocessed,
                                                   mode='loss'))
        optim['teacher'].update_params(loss)
    modes = []
    for _ in range(20):
        teacher = [p.detach().clone() for p in model.teacher.parameters()]
        log_vars = model.train_step(data, optim)
        modes.append(log_vars['switch.expert'] == 1)
        moved = any(not torch.equal(before, p) for before, p in zip(
            teacher, model.teacher.parameters()))
        assert moved != modes[-1]
        if not modes[-1] and modes[0]:
            break
    assert modes[0] and not modes[-1], modes


def test_sokd_trains_the_branch_and_the_student_not_the_teacher():
    model, data = build(SOKD_SEG)
    log_vars, moved = step(model, data)
    frozen = {k for k in params_of(model, 'branch')
              if k.startswith(('branch.backbone.stem', 'branch.backbone.'
                               'layer1', 'branch.backbone.layer2',
                               'branch.backbone.layer3'))}
    learning = params_of(model, 'branch') - frozen
    assert frozen and learning
    assert moved == params_of(model, 'student') | learning
    assert not model.teacher.training
    assert not model.branch.backbone.layer3.training
    assert model.branch.backbone.layer4.training
    # the student learns from the branch only; the branch from both
    assert {k for k in log_vars if '.loss_kl_' in k} == {
        'student.loss_kl_branch', 'branch.loss_kl_teacher',
        'branch.loss_kl_student'}
    with pytest.raises(ValueError, match="frozen: the peer has no module"):
        build(SOKD_SEG, **{'peers.branch.frozen': ['backbone.layer9']})


@pytest.mark.parametrize('reduction,share', [('mean', 0.5), ('sum', 1.0)])
def test_a_learner_with_two_targets_averages_or_sums(reduction, share):
    """DML's loss against KL written with einsum, shared by 2 targets."""
    cfg = Config.fromfile(osp.join(REPO, DML_SEG))
    model, data = build(DML_SEG, mutual_reduction=reduction,
                        **{'peers.peer3': cfg.model.peers.peer1})
    for module in model.modules():
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):
            module.p = 0.0  # the same outputs in both forwards
    preprocessed = model.data_preprocessor(data, True)
    with torch.no_grad():
        for name in model.peer_names:
            with model.recorders[name]:
                getattr(model, name)(**preprocessed, mode='loss')
        logits = {name: model.record(name, {'recorder': 'logits'})
                  for name in ('peer1', 'peer3')}
    # DML's KL(p_3 || p_1) per pixel, mean over pixels, written with einsum
    log_p1, log_p3 = (logits[n].log_softmax(1) for n in ('peer1', 'peer3'))
    kl = torch.einsum('nchw,nchw->', log_p3.exp(), log_p3 - log_p1)
    raw = kl / (log_p1.numel() / log_p1.shape[1])
    log_vars, _ = step(model, data)
    assert_close_float32(log_vars['peer1.loss_kl_peer3'], share * raw)


def test_never_policy_keeps_the_teacher_and_frozen_peers_stay_in_eval():
    model, data = build(
        SWITOKD_SEG, switch=dict(policy='never', teacher='teacher'))
    _, moved = step(model, data)
    assert moved == params_of(model, 'student')
    model, data = build(SWITOKD_SEG, **{'peers.teacher.trainable': False})
    _, moved = step(model, data)
    assert moved == params_of(model, 'student')
    assert not model.teacher.training and model.student.training
    assert not any(p.requires_grad for p in model.teacher.parameters())


def test_batch_of_one_and_ignored_pixels():
    """Detection and segmentation at batch size 1 (the toy PSPNet without
    its 1x1 pooling branch, whose batch norm needs two values per channel
    in any mmseg PSPNet), and label maps that are partly 255."""
    model, data = build(SWITOKD_DET, batch_size=1)
    log_vars, moved = step(model, data)
    assert params_of(model, 'student') <= moved
    options = {}
    for name in ('student', 'teacher'):
        path = Config.fromfile(osp.join(REPO, SWITOKD_SEG)).model.peers[
            name].model.cfg_path
        peer = Config.fromfile(path).model
        peer.decode_head.pool_scales = (2, 3, 6)
        options[f'peers.{name}.model'] = dict(_delete_=True, **peer)
    model, data = build(SWITOKD_SEG, batch_size=1, **options)
    data['data_samples'][0].gt_sem_seg.data[:, :40] = 255
    log_vars, moved = step(model, data)
    assert params_of(model, 'student') <= moved
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log_vars.values())


def test_wrong_wiring_says_what_to_set():
    model, data = build(DML_SEG)
    with pytest.raises(GuardError, match='model_wrapper_cfg: .*MMSeparateD'):
        model(**model.data_preprocessor(data, True), mode='loss')
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(GuardError, match='optim_wrapper: .*PeerOptimWrapperC'):
        model.train_step(data, optim)


@pytest.mark.parametrize('options,message', [
    (dict(eval_peer='peer3'), "model.eval_peer='peer3' is not a peer"),
    (dict(pairs=[('peer1', 'peer1')]), r"model.pairs: \('peer1', 'peer1'\)"),
    (dict(switch=dict(policy='never', teacher='nobody')),
     "model.switch.teacher='nobody' is not a peer"),
    ({'loss_forward_mappings.loss_kl.preds_T.recorder': 'feats'},
     "preds_T.recorder='feats' is not in model.recorders"),
    ({'distill_losses.loss_kl': dict(
        _delete_=True, type='ABLoss', loss_weight=1.0)},
     None),  # parameter-free, accepted
])
def test_bad_config_names_the_key(options, message):
    if message is None:
        build(DML_SEG, **options)
        return
    with pytest.raises(ValueError, match=message):
        build(DML_SEG, **options)


class LossWithWeights(torch.nn.Module):
    """A loss that learns (no peer optimizer would train it)."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(1))


def test_loss_with_parameters_and_bad_peer_names_are_refused():
    MODELS.register_module(module=LossWithWeights, force=True)
    with pytest.raises(ValueError, match='model.distill_losses.loss_kl: '
                       'LossWithWeights has parameters'):
        build(DML_SEG, **{'distill_losses.loss_kl': dict(
            _delete_=True, type='LossWithWeights')})
    cfg = Config.fromfile(osp.join(REPO, DML_SEG))
    peer = cfg.model.peers.peer1
    cfg.model.peers = dict(switch=peer, peer2=peer)
    with pytest.raises(ValueError, match="'switch' cannot name a peer"):
        MODELS.build(cfg.model)
