"""The config tools/train.py and tools/test.py give the runner formats its
text once per content, and the text is mmengine's."""
import copy
import os.path as osp

import mmengine.config.config as mmengine_config
from mmengine.config import Config

from akd.tooling.config_text import FormattedOnceConfig, formatted_once
from conftest import DET_DISTILL, REPO


def _counting_format_code(monkeypatch):
    calls = []
    original = mmengine_config.FormatCode

    def format_code(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(mmengine_config, 'FormatCode', format_code)
    return calls


def test_text_is_mmengines_and_formatted_once_per_content(
        monkeypatch, tmp_path):
    plain = Config.fromfile(osp.join(REPO, DET_DISTILL))
    expected = plain.pretty_text
    once = copy.deepcopy(formatted_once(plain))  # as the runner copies it
    assert isinstance(once, FormattedOnceConfig)
    calls = _counting_format_code(monkeypatch)
    assert once.pretty_text == expected
    once.dump(str(tmp_path / 'dumped.py'))
    assert (tmp_path / 'dumped.py').read_text() == expected
    assert once.pretty_text == expected
    assert len(calls) <= 1  # 0 if an earlier test formatted this content


def test_a_changed_config_is_formatted_anew(monkeypatch):
    once = formatted_once(Config.fromfile(osp.join(REPO, DET_DISTILL)))
    before = once.pretty_text
    once.train_cfg.max_iters = 12345
    calls = _counting_format_code(monkeypatch)
    after = once.pretty_text
    assert len(calls) == 1 and after != before and 'max_iters=12345' in after
    plain = Config.fromfile(osp.join(REPO, DET_DISTILL))
    plain.train_cfg.max_iters = 12345
    assert after == plain.pretty_text
