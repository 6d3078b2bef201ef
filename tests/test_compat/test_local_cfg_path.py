import mmengine.hub
import pytest

import akd  # noqa: F401  (installs the fixes)
from akd.compat import local_cfg_path
from conftest import REPO, SEG_TEACHER


def test_get_model_builds_a_local_config_in_its_own_scope():
    model = mmengine.hub.get_model(f'{REPO}/{SEG_TEACHER}',
                                   pretrained=False)
    assert type(model).__name__ == 'EncoderDecoder'
    assert type(model).__module__.startswith('mmseg.')
    assert type(model.data_preprocessor).__name__ == 'SegDataPreProcessor'


def test_install_is_idempotent_and_package_configs_still_go_upstream(
        monkeypatch):
    patched = mmengine.hub.get_model
    local_cfg_path.install()
    assert mmengine.hub.get_model is patched
    calls = []
    monkeypatch.setattr(local_cfg_path, 'build_from_config_file',
                        lambda *args, **kwargs: calls.append(args))
    with pytest.raises(Exception):  # mmdet ships no such config
        mmengine.hub.get_model('mmdet::no/such_config.py')
    assert calls == []
    mmengine.hub.get_model('my_configs/model.py')
    assert calls == [('my_configs/model.py', False)]


@pytest.mark.parametrize('cfg_path, kwargs, message', [
    ('configs/no_such_model.py', {}, "cfg_path='configs/no_such_model.py' "
     "does not exist: give an installed package's config"),
    (SEG_TEACHER, dict(pretrained=True),
     'which has no pretrained weights to fetch: set pretrained=False'),
])
def test_bad_cfg_paths_are_named_with_the_fix(cfg_path, kwargs, message):
    path = cfg_path if cfg_path.startswith('configs/no') else (
        f'{REPO}/{cfg_path}')
    with pytest.raises((FileNotFoundError, ValueError)) as error:
        mmengine.hub.get_model(path, **kwargs)
    assert message in str(error.value).replace(f'{REPO}/', '')


def test_a_config_without_default_scope_is_refused(tmp_path):
    config = tmp_path / 'model.py'
    config.write_text("model = dict(type='EncoderDecoder')\n")
    with pytest.raises(ValueError, match='sets no default_scope'):
        mmengine.hub.get_model(str(config))
