import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

import akd  # noqa: F401


def test_checkpoint_with_message_hub_loads_with_weights_only(tmp_path):
    hub = MessageHub.get_instance('akd_test_safe_load')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/lr', np.float64(0.01))
    hub.update_info('iter', 7)
    checkpoint = dict(
        meta=dict(seed=np.int64(3), iter=7, message_hub=hub.state_dict()),
        state_dict={'w': torch.ones(2)})
    path = tmp_path / 'ckpt.pth'
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    buffer = loaded['meta']['message_hub']['log_scalars']['train/loss']
    assert buffer.mean() == 1.5
    assert loaded['meta']['seed'] == 3


class _GetattrGadget:
    """Pickles as ``getattr(torch.Tensor, 'add')``: an allowed owner."""

    def __reduce__(self):
        return (getattr, (torch.Tensor, 'add'))


def test_getattr_outside_history_buffer_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _GetattrGadget()}, path)
    with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        torch.load(path, weights_only=True)
