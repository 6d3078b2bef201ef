from types import SimpleNamespace

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from akd.engine.hooks.keep_sparsity_hook import KeepSparsityHook


def pruned_conv_bn():
    """A conv whose first output channel is pruned whole, then a norm."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4))
    with torch.no_grad():
        model[0].weight[0] = 0  # a channel pruned whole
        model[0].weight[1, :, 0] = 0  # and a few weights
    return model


def loss(model):
    return (model(torch.randn(2, 3, 5, 5)) * torch.randn(2, 4, 5, 5)).sum()


def test_pruned_weights_get_no_gradient_and_stay_zero():
    model = pruned_conv_bn()
    zeros = model[0].weight.detach() == 0
    hook = KeepSparsityHook()
    hook.before_train(SimpleNamespace(model=model))
    optim_wrapper = OptimWrapper(
        torch.optim.AdamW(model.parameters(), lr=0.1, weight_decay=0.5),
        clip_grad=dict(max_norm=1.0))
    for _ in range(3):
        optim_wrapper.backward(loss(model))
        grad = model[0].weight.grad
        assert torch.all(grad[zeros] == 0)
        assert grad[~zeros].abs().max() > 0
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        hook.after_train_iter(SimpleNamespace(model=model), 0)
    weight = model[0].weight.detach()
    assert torch.all(weight[zeros] == 0)
    assert torch.all(weight[~zeros] != 0)


def test_unmasked_the_pruned_channel_gets_the_norm_layers_large_gradient():
    """What the mask is for: the zero-variance channel's gradient."""
    model = pruned_conv_bn()
    zeros = model[0].weight.detach() == 0
    loss(model).backward()
    grad = model[0].weight.grad
    assert grad[0].abs().max() > 10 * grad[~zeros].abs().max()
