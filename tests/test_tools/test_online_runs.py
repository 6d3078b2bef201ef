"""Online distillation end to end through tools/: train, resume, test a
chosen peer, export every peer."""
import json

import pytest
import torch
from test_tools.test_train_resume_test_convert import SHORT, training_scalars

from conftest import run_tool

DML_DET = 'configs/dml/dml_logits_retina-r18-w16x2_toy-coco.py'
DML_SEG = 'configs/dml/dml_logits_pspnet-r18-w16-d8x2_toy-cityscapes.py'
PEER = 'configs/toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'


def train(config, data_root, work_dir, *extra, options=()):
    return run_tool('tools/train.py', config, '--work-dir', work_dir,
                    '--data-root', data_root, *extra, '--cfg-options',
                    *SHORT, *options)


def test_resume_restores_every_peer_and_optimizer(toy_coco, tmp_path):
    """RetinaNet has no dropout, so the resumed run repeats the first run's
    losses of both peers, which needs both networks and both optimizers'
    states back."""
    no_val = ['train_cfg.val_interval=100']
    train(DML_DET, toy_coco, str(tmp_path / 'run'), options=no_val)
    process = train(DML_DET, toy_coco, str(tmp_path / 'resumed'), '--resume',
                    str(tmp_path / 'run' / 'iter_2.pth'), options=no_val)
    assert 'resumed epoch: 0, iter: 2' in process.stdout + process.stderr
    original = training_scalars(str(tmp_path / 'run'), 'peer1.lr')
    resumed = training_scalars(str(tmp_path / 'resumed'), 'peer1.lr')
    assert sorted(resumed) == [3, 4]
    for it in (3, 4):
        for key in ('peer1.lr', 'peer2.lr', 'peer1.loss', 'peer2.loss',
                    'peer1.loss_kl_peer2', 'peer2.loss_kl_peer1'):
            assert resumed[it][key] == pytest.approx(original[it][key],
                                                     rel=1e-4), (it, key)


def _metrics(config, checkpoint, data_root, tmp_path, name, *extra):
    out = str(tmp_path / f'{name}.json')
    run_tool('tools/test.py', config, checkpoint, '--work-dir',
             str(tmp_path / name), '--data-root', data_root,
             '--metrics-json', out, *extra)
    with open(out) as f:
        return json.load(f)


def test_each_peer_is_tested_and_exported(toy_cityscapes, tmp_path):
    """``--peer`` picks the network; peer2 exported as a plain checkpoint
    scores the same under its own config."""
    process = train(DML_SEG, toy_cityscapes, str(tmp_path / 'run'))
    assert 'peer2/mIoU' in process.stdout + process.stderr  # PeersValLoop
    ckpt = str(tmp_path / 'run' / 'iter_4.pth')
    scores = {peer: _metrics(DML_SEG, ckpt, toy_cityscapes, tmp_path, peer,
                             '--peer', peer)
              for peer in ('peer1', 'peer2')}
    assert scores['peer1'] != scores['peer2']  # two networks, not one
    exported = str(tmp_path / 'peer2.pth')
    run_tool('tools/model_converters/convert_kd_ckpt_to_student.py', ckpt,
             exported, '--prefix', 'peer2.')
    state = torch.load(exported)['state_dict']
    kd_state = torch.load(ckpt)['state_dict']
    assert all(torch.equal(v, kd_state[f'peer2.{k}'])
               for k, v in state.items())
    assert _metrics(PEER, exported, toy_cityscapes, tmp_path,
                    'peer2_plain') == scores['peer2']
    process = run_tool('tools/test.py', DML_SEG, ckpt, '--peer', 'peer3',
                       '--data-root', toy_cityscapes, check=False)
    assert process.returncode != 0
    assert ("--peer 'peer3': the config has no such peer of an online "
            "distillation (model.peers: ['peer1', 'peer2'])"
            in process.stderr)
