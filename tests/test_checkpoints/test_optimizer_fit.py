import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from akd.checkpoints.optimizer_fit import optimizer_misfit


def _wrapper(model, **groups):
    """SGD with momentum on ``model``; ``groups`` splits its parameters."""
    params = [dict(params=list(p)) for p in groups.values()] or list(
        model.parameters())
    return OptimWrapper(torch.optim.SGD(params, lr=0.1, momentum=0.9))


def _stepped_state(wrapper):
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            p.grad = torch.ones_like(p)
    wrapper.optimizer.step()
    return wrapper.optimizer.state_dict()


def test_the_same_layout_fits():
    model = nn.Linear(3, 2)
    assert optimizer_misfit(_stepped_state(_wrapper(model)),
                            _wrapper(model)) is None


def test_other_group_sizes_are_named():
    model = nn.Linear(3, 2)
    saved = _stepped_state(_wrapper(model))
    split = _wrapper(model, weight=[model.weight], bias=[model.bias])
    assert optimizer_misfit(saved, split) == (
        '1 parameter group ([2] tensors) in the file, 2 parameter groups '
        '([1, 1] tensors) in this run')


def test_state_of_another_shape_is_named():
    saved = _stepped_state(_wrapper(nn.Linear(3, 2)))
    assert optimizer_misfit(saved, _wrapper(nn.Linear(4, 2))) == (
        "state 'momentum_buffer' of tensor 0 (group 0) is (2, 3) in the "
        'file, and its parameter is (2, 4)')


def test_peers_of_an_optimizer_dict_are_compared_by_name():
    one, two = nn.Linear(3, 2), nn.Linear(3, 2)
    saved = dict(peer1=_stepped_state(_wrapper(one)),
                 peer2=_stepped_state(_wrapper(two)))
    peers = OptimWrapperDict(peer1=_wrapper(one), peer2=_wrapper(two))
    assert optimizer_misfit(saved, peers) is None
    assert optimizer_misfit(dict(peer1=saved['peer1']), peers) == (
        "optimizers ['peer1'] in the file, ['peer1', 'peer2'] in this run")
    saved['peer2'] = _stepped_state(_wrapper(nn.Linear(4, 2)))
    assert optimizer_misfit(saved, peers).startswith("optimizer 'peer2': "
                                                     "state 'momentum_buffer'")
