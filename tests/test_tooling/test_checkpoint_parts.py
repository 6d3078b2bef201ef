import pytest
import torch

from akd.tooling.checkpoint_parts import (part_checkpoint, part_state_dict,
                                          save_part_checkpoint)


def test_keeps_only_student_keys_without_prefix():
    state = {
        'architecture.backbone.w': torch.ones(1),
        'teacher.backbone.w': torch.zeros(1),
        'distiller.connectors.c.w': torch.zeros(1),
    }
    assert list(part_state_dict(state)) == ['backbone.w']


def test_keeps_dataset_meta_and_drops_training_state():
    checkpoint = dict(
        state_dict={'architecture.w': torch.ones(1)},
        meta=dict(dataset_meta=dict(classes=('a', )), message_hub={}),
        optimizer={}, param_schedulers=[])
    converted = part_checkpoint(checkpoint)
    assert sorted(converted) == ['meta', 'state_dict']
    assert converted['meta'] == dict(dataset_meta=dict(classes=('a', )))


def test_plain_checkpoint_is_rejected_with_its_prefixes():
    with pytest.raises(ValueError, match=r"prefixes: \['backbone'\]"):
        part_state_dict({'backbone.w': torch.ones(1)})


def test_prefix_takes_the_teacher():
    state = {
        'architecture.backbone.w': torch.ones(1),
        'teacher.backbone.w': torch.zeros(1),
    }
    teacher = part_state_dict(state, prefix='teacher.')
    assert list(teacher) == ['backbone.w']
    assert list(part_state_dict(state, prefix='teacher')) == ['backbone.w']
    assert torch.equal(teacher['backbone.w'], torch.zeros(1))


def test_converted_teacher_of_a_distillation_checkpoint_can_teach(
        toy_weights, tmp_path):
    """The fix the ambiguous-teacher message gives works."""
    from akd.checkpoints.checkpoint_files import read_checkpoint
    from akd.checkpoints.checkpoint_fit import load_teacher
    from akd.compat.local_cfg_path import build_from_config_file
    from conftest import DET_TEACHER, REPO
    out = str(tmp_path / 'teacher.pth')
    save_part_checkpoint(toy_weights['distillation'], out, 'teacher.')
    teacher = build_from_config_file(f'{REPO}/{DET_TEACHER}')
    load_teacher(teacher, read_checkpoint(out, 'model.teacher_ckpt'),
                 'model.teacher_ckpt', out, 'model.teacher')
    saved = read_checkpoint(toy_weights['distillation'],
                            'model.teacher_ckpt')['state_dict']
    loaded = teacher.state_dict()
    assert sorted(loaded) == sorted(
        k[len('teacher.'):] for k in saved if k.startswith('teacher.'))
    assert all(torch.equal(v, saved[f'teacher.{k}'])
               for k, v in loaded.items())
