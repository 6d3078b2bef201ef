import importlib.util

import akd  # noqa: F401
import mmengine.runner.checkpoint as checkpoint


def test_torchvision_urls_resolve_without_torchvision():
    assert importlib.util.find_spec('torchvision') is None  # as pinned
    urls = checkpoint.get_torchvision_models()
    assert urls['resnet50'].startswith('https://download.pytorch.org/')
    assert 'resnet101' in urls
