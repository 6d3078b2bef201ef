import pytest
import torch

from akd.utils.student_checkpoint import (student_checkpoint,
                                          student_state_dict)


def test_keeps_only_student_keys_without_prefix():
    state = {
        'architecture.backbone.w': torch.ones(1),
        'teacher.backbone.w': torch.zeros(1),
        'distiller.connectors.c.w': torch.zeros(1),
    }
    assert list(student_state_dict(state)) == ['backbone.w']


def test_keeps_dataset_meta_and_drops_training_state():
    checkpoint = dict(
        state_dict={'architecture.w': torch.ones(1)},
        meta=dict(dataset_meta=dict(classes=('a', )), message_hub={}),
        optimizer={}, param_schedulers=[])
    converted = student_checkpoint(checkpoint)
    assert sorted(converted) == ['meta', 'state_dict']
    assert converted['meta'] == dict(dataset_meta=dict(classes=('a', )))


def test_plain_checkpoint_is_rejected_with_its_prefixes():
    with pytest.raises(ValueError, match=r"prefixes: \['backbone'\]"):
        student_state_dict({'backbone.w': torch.ones(1)})
