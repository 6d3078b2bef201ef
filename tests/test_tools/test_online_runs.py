"""Online distillation end to end through tools/: train, test a chosen
peer, export every peer (resume: tests/test_tools/test_exact_resume.py)."""
import json

import torch
from test_tools.test_train_resume_test_convert import SHORT

from conftest import run_tool

DML_SEG = 'configs/dml/dml_logits_pspnet-r18-w16-d8x2_toy-cityscapes.py'
PEER = 'configs/toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'


def train(config, data_root, work_dir, *extra, options=()):
    return run_tool('tools/train.py', config, '--work-dir', work_dir,
                    '--data-root', data_root, *extra, '--cfg-options',
                    *SHORT, *options)


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
