"""A checkpoint URL that cannot be fetched names itself and the fix."""
import pytest
from mmengine.runner.checkpoint import CheckpointLoader

import akd  # noqa: F401
from akd.checkpoints.downloads import CheckpointDownloadError


def test_unreachable_url_names_it_and_the_fix():
    url = 'http://127.0.0.1:9/teacher.pth'  # nothing listens on port 9
    with pytest.raises(CheckpointDownloadError,
                       match=f"checkpoint '{url}' cannot be downloaded from "
                       r'this machine \(ConnectionRefusedError') as raised:
        CheckpointLoader.load_checkpoint(url)
    assert raised.value.url == url


def test_torchvision_scheme_goes_through_the_same_loader(tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv('https_proxy', 'http://127.0.0.1:9')  # offline
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    with pytest.raises(CheckpointDownloadError,
                       match='https://download.pytorch.org/models/resnet18'):
        CheckpointLoader.load_checkpoint('torchvision://resnet18')
