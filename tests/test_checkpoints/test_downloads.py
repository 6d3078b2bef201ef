import pytest

from akd.checkpoints.downloads import (cached, config_checkpoint_urls,
                                       download_error, resolve_url,
                                       unreachable_reason)

CLOSED_PORT_URL = 'http://127.0.0.1:9/teacher.pth'  # nothing listens on 9


@pytest.mark.parametrize('path, url', [
    ('torchvision://resnet50', 'https://download.pytorch.org/models/'),
    ('open-mmlab://resnet50_v1c', 'https://download.openmmlab.com/'),
    ('https://host/x.pth', 'https://host/x.pth'),
])
def test_schemes_resolve_to_the_url_mmengine_fetches(path, url):
    assert resolve_url(path).startswith(url)


@pytest.mark.parametrize('path', ['work_dirs/t.pth', 's3://bucket/t.pth'])
def test_paths_not_fetched_over_http_resolve_to_none(path):
    assert resolve_url(path) is None


def test_config_urls_are_found_with_their_keys():
    cfg = dict(model=dict(
        teacher_ckpt='https://host/t.pth',
        backbone=dict(init_cfg=dict(checkpoint='torchvision://resnet18')),
        layers=[dict(pretrained='https://host/l.pth'), 'text'],
        architecture=dict(pretrained=False)))
    found = list(config_checkpoint_urls(cfg))
    assert [key for key, _, _ in found] == [
        'model.teacher_ckpt', 'model.backbone.init_cfg.checkpoint',
        'model.layers.0.pretrained'
    ]
    assert found[1][1] == 'torchvision://resnet18'


def test_closed_port_is_unreachable():
    assert unreachable_reason(CLOSED_PORT_URL, timeout=5).startswith(
        'ConnectionRefusedError')


def test_cached_looks_in_torch_hub(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    url = 'https://host/models/resnet18-f37072fd.pth'
    assert not cached(url)
    (tmp_path / 'hub' / 'checkpoints').mkdir(parents=True)
    (tmp_path / 'hub' / 'checkpoints' / 'resnet18-f37072fd.pth').touch()
    assert cached(url)


def test_message_names_key_value_url_and_fix():
    message = download_error('https://host/r18.pth', 'URLError: offline',
                             'model.backbone.init_cfg.checkpoint',
                             'torchvision://resnet18')
    assert message.startswith("model.backbone.init_cfg.checkpoint="
                              "'torchvision://resnet18' (from https://host/"
                              'r18.pth) cannot be downloaded from this '
                              'machine (URLError: offline)')
    assert 'wget https://host/r18.pth' in message
    assert 'set the key to None' in message


@pytest.fixture
def server():
    """A local server answering HEAD with the status its path names."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):

        def do_HEAD(self):
            self.send_response(int(self.path.strip('/').split('/')[0]))
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_port}'
    httpd.shutdown()


@pytest.mark.parametrize('status, reachable', [(200, True), (403, True),
                                               (405, True), (404, False),
                                               (410, False)])
def test_any_answer_but_not_found_counts_as_reachable(server, status,
                                                      reachable,
                                                      monkeypatch):
    monkeypatch.delenv('http_proxy', raising=False)
    reason = unreachable_reason(f'{server}/{status}/teacher.pth', timeout=5)
    assert (reason is None) == reachable
    if not reachable:
        assert reason.startswith(f'the server answered {status}')
