"""CRD on dense models: pooled embeddings, AKD wrapping (the pipeline's
indices: tests/test_datasets/test_pack_crd_indices.py)."""

import pytest
import torch
from mmengine.structures import BaseDataElement
from mmrazor.registry import MODELS

import akd  # noqa: F401
from akd.losses import AvatarKDLoss
from akd.models import PooledCRDConnector


def test_embedding_pools_every_level_then_projects_and_normalises():
    torch.manual_seed(0)
    maps = [torch.randn(2, 3, 4, 5), torch.randn(2, 5, 2, 2)]
    connector = PooledCRDConnector(dim_in=8, dim_out=4)
    W, b = connector.linear.weight, connector.linear.bias
    for n in range(2):
        pooled = []
        for x in maps:
            C, H, Wd = x.shape[1:]
            pooled += [
                sum(float(x[n, c, h, w]) for h in range(H)
                    for w in range(Wd)) / (H * Wd) for c in range(C)
            ]
        z = torch.einsum('oc,c->o', W, torch.tensor(pooled)) + b
        torch.testing.assert_close(connector(maps)[n], z / z.norm())


def test_embedding_rejects_a_wrong_width_naming_dim_in():
    with pytest.raises(ValueError, match='set dim_in to their sum'):
        PooledCRDConnector(dim_in=7)([torch.randn(2, 3, 4, 4)])


def _samples(n, num_samples, neg_num):
    samples = []
    for index in range(n):
        sample = BaseDataElement()
        sample.sample_idx = torch.tensor(index)
        sample.contrast_sample_idxs = torch.cat(
            [sample.sample_idx[None],
             torch.randint(num_samples, (neg_num, ))])
        samples.append(sample)
    return samples


def test_mmrazor_crd_ignores_its_loss_weight():
    """Why the configs leave CRDLoss.loss_weight at its default."""
    values = []
    for weight in (1.0, 5.0):
        torch.manual_seed(0)
        loss = MODELS.build(
            dict(_scope_='mmrazor',
                 type='CRDLoss',
                 loss_weight=weight,
                 sample_n=10,
                 neg_num=4,
                 dim_out=8))
        s = torch.nn.functional.normalize(torch.randn(3, 8), dim=1)
        t = torch.nn.functional.normalize(torch.randn(3, 8), dim=1)
        values.append(loss(s, t, _samples(3, 10, 4)))
    torch.testing.assert_close(values[0], values[1])


def test_runs_inside_avatar_kd():
    torch.manual_seed(0)
    s = torch.nn.functional.normalize(torch.randn(3, 8), dim=1)
    s.requires_grad_()
    t = torch.nn.functional.normalize(torch.randn(3, 8), dim=1)
    loss = AvatarKDLoss(base_loss=dict(type='CRDLoss',
                                       sample_n=10,
                                       neg_num=4,
                                       dim_out=8),
                        num_avatars=2,
                        standardize=False, weighting='variance')
    loss(s, t, _samples(3, 10, 4)).backward()
    assert s.grad.abs().sum() > 0


def test_avatar_kd_passes_data_samples_whole_to_every_level():
    """Two levels and a batch of two: the samples are not split by level."""
    torch.manual_seed(0)
    unit = torch.nn.functional.normalize
    S = [unit(torch.randn(2, 8), dim=1) for _ in range(2)]
    T = [unit(torch.randn(2, 8), dim=1) for _ in range(2)]
    loss = AvatarKDLoss(
        base_loss=dict(_scope_='mmrazor', type='CRDLoss', sample_n=10,
                       neg_num=4, dim_out=8),
        standardize=False, weighting='uniform')
    assert torch.isfinite(loss(S, T, _samples(2, 10, 4)))
