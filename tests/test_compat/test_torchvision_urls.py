import importlib.util

import mmengine.runner.checkpoint as checkpoint

import akd  # noqa: F401


def test_torchvision_urls_resolve_without_torchvision():
    assert importlib.util.find_spec('torchvision') is None  # as pinned
    urls = checkpoint.get_torchvision_models()
    assert urls['resnet50'].startswith('https://download.pytorch.org/')
    assert 'resnet101' in urls
