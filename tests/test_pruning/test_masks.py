import pytest
import torch

from akd.pruning import keep_masks


def scores():
    torch.manual_seed(0)
    return {'a': torch.rand(10, 3), 'b': torch.rand(7) * 0.5}


@pytest.mark.parametrize('sparsity', [0.0, 0.3, 0.5, 0.9])
def test_global_prunes_exactly_the_lowest_share(sparsity):
    masks = keep_masks(scores(), sparsity, 'global')
    flat_scores = torch.cat([s.flatten() for s in scores().values()])
    flat_kept = torch.cat([m.flatten() for m in masks.values()])
    assert (~flat_kept).sum() == round(sparsity * 37)
    if 0 < sparsity:  # every pruned score is below every kept one
        assert flat_scores[~flat_kept].max() <= flat_scores[flat_kept].min()


def test_global_takes_more_from_the_layer_of_smaller_scores():
    masks = keep_masks(scores(), 0.5, 'global')
    assert (~masks['b']).float().mean() > (~masks['a']).float().mean()


def test_layer_prunes_each_tensor_by_the_same_share():
    masks = keep_masks(scores(), 0.5, 'layer')
    assert (~masks['a']).sum() == 15 and (~masks['b']).sum() == round(3.5)
    assert masks['a'].shape == (10, 3)


@pytest.mark.parametrize('kwargs,match', [
    (dict(sparsity=1.0), 'sparsity must be in'),
    (dict(sparsity=0.5, scope='net'), "scope must be 'global' or 'layer'"),
])
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keep_masks(scores(), **kwargs)
