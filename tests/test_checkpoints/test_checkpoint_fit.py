from collections import OrderedDict

import pytest
import torch
from torch import nn

from akd.checkpoints.checkpoint_fit import (describe_misfit, likely_cause,
                                            load_teacher, load_with_coverage)
from akd.utils.guard_error import GuardError


def _net(width=3):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, width), nn.BatchNorm1d(width))


def test_coverage_counts_values_that_received_a_tensor_of_their_shape():
    model = _net()
    state = _net().state_dict()
    del state['0.bias']  # 3 values missing
    state['1.weight'] = torch.ones(5)  # 3 values of another shape
    state['extra.weight'] = torch.ones(2)
    coverage = load_with_coverage(model, state)
    # values: 0.weight 12, 0.bias 3, 1.weight 3, 1.bias 3, running stats 6
    assert (coverage.covered, coverage.total) == (12 + 3 + 6, 27)
    assert coverage.missing == ['0.bias']
    assert coverage.mismatched == [('1.weight', (5, ), (3, ))]
    assert coverage.unexpected == ['extra.weight']
    assert not coverage.complete
    assert torch.equal(model[0].weight, state['0.weight'])  # what fits loads


def test_num_batches_tracked_is_not_counted():
    state = _net().state_dict()
    del state['1.num_batches_tracked']
    coverage = load_with_coverage(_net(), state)
    assert coverage.complete and coverage.share == 1.0


class RenamingHead(nn.Module):
    """Renames a legacy key on load, as mmdet's detectors do."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)

    def _load_from_state_dict(self, state_dict, prefix, *args):
        legacy = prefix + 'old_conv.weight'
        if legacy in state_dict:
            state_dict[prefix + 'conv.weight'] = state_dict.pop(legacy)
        super()._load_from_state_dict(state_dict, prefix, *args)


def test_the_models_own_key_conversions_count_as_covered():
    model = RenamingHead()
    state = OrderedDict([('old_conv.weight', torch.ones(2, 2, 1, 1)),
                         ('conv.bias', torch.zeros(2))])
    coverage = load_with_coverage(model, state)
    assert coverage.complete
    assert torch.equal(model.conv.weight, torch.ones(2, 2, 1, 1))


@pytest.mark.parametrize('state, cause', [
    ({'architecture.0.weight': torch.ones(3, 4)}, 'a distillation checkpoint'),
    ({'bbox_head.x': torch.ones(1)}, 'a checkpoint of a detector'),
    ({'model.0.weight': torch.ones(3, 4)}, "under a prefix 'model.'"),
])
def test_likely_cause_is_named(state, cause):
    model = _net()
    model.decode_head = nn.Linear(1, 1)  # a segmentor
    coverage = load_with_coverage(model, state)
    assert cause in likely_cause(coverage, state, model)


def test_other_widths_are_named_with_both_shapes():
    model, state = _net(3), _net(5).state_dict()
    message = describe_misfit(load_with_coverage(model, state), state, model)
    assert message.startswith('it fills 0.0% of the weights (0 of 27 values)')
    assert '0.weight (5, 4) in the file, (3, 4) in the model' in message
    assert 'other widths, depths or class counts' in message


def test_teacher_loads_fully_or_is_refused():
    teacher = _net()
    state = _net().state_dict()
    state['0.weight'] = torch.full((3, 4), 2.0)
    load_teacher(teacher, dict(state_dict=state), 'model.teacher_ckpt',
                 't.pth', 'model.teacher')
    assert torch.equal(teacher[0].weight, state['0.weight'])
    del state['0.bias']
    with pytest.raises(GuardError,
                       match=r"model.teacher_ckpt='t.pth' does not fit "
                       r'model.teacher \(Sequential\): it fills 88.9%'):
        load_teacher(_net(), dict(state_dict=state), 'model.teacher_ckpt',
                     't.pth', 'model.teacher')


def test_teacher_from_a_ddp_checkpoint_loses_the_module_prefix():
    saved = _net().state_dict()
    state = {f'module.{k}': v for k, v in saved.items()}
    teacher = _net()
    load_teacher(teacher, dict(state_dict=state), 'model.teacher_ckpt',
                 't.pth', 'model.teacher')
    loaded = teacher.state_dict()
    assert sorted(loaded) == sorted(saved)
    assert all(torch.equal(loaded[k], saved[k]) for k in saved)


def test_distillation_checkpoint_as_teacher_is_ambiguous():
    state = {f'architecture.{k}': v for k, v in _net().state_dict().items()}
    state.update({f'teacher.{k}': v for k, v in _net().state_dict().items()})
    with pytest.raises(GuardError, match='which should teach'):
        load_teacher(_net(), state, 'model.teacher_ckpt', 'kd.pth',
                     'model.teacher')
