"""yapf's grammar cache is written whole and rebuilt when torn.

Each case runs Python in a subprocess with its own ``XDG_CACHE_HOME``, so the
cache starts as the case needs it and yapf is imported afresh.
"""
import os
import pickle
import subprocess
import sys

from yapf_third_party._ylib2to3.pgen2 import grammar

import akd  # noqa: F401


def _python(code, cache):
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    return subprocess.run([sys.executable, '-c', code], env=env,
                          capture_output=True, text=True, timeout=300)


def _torn_cache(tmp_path):
    """A cache whose pickles a killed (or still writing) yapf left empty."""
    assert _python('import yapf', tmp_path).returncode == 0
    pickles = sorted(tmp_path.rglob('*.pickle'))
    assert len(pickles) == 2  # Grammar and PatternGrammar
    for path in pickles:
        path.write_bytes(b'')
    return pickles


def test_plain_yapf_dies_on_a_torn_cache(tmp_path):
    _torn_cache(tmp_path)
    run = _python('import mmengine', tmp_path)
    assert run.returncode != 0
    assert 'EOFError: Ran out of input' in run.stderr


def test_akd_rebuilds_a_torn_cache_and_writes_it_whole(tmp_path):
    pickles = _torn_cache(tmp_path)
    run = _python('import akd; from mmengine import Config', tmp_path)
    assert run.returncode == 0, run.stderr
    for path in pickles:
        with open(path, 'rb') as f:
            assert pickle.load(f)['symbol2number']
    assert _python('import mmengine', tmp_path).returncode == 0


def test_the_cache_file_is_whole_when_it_appears(tmp_path, monkeypatch):
    seen = {}

    def recording(rename):

        def wrapped(source, target):
            with open(source, 'rb') as f:
                seen[str(target)] = f.read()
            return rename(source, target)

        return wrapped

    monkeypatch.setattr(os, 'rename', recording(os.rename))
    monkeypatch.setattr(os, 'replace', recording(os.replace))
    table = grammar.Grammar()
    table.symbol2number = {'file_input': 256}
    target = tmp_path / 'Grammar-py3.pickle'
    table.dump(str(target))
    assert pickle.loads(seen[str(target)])['symbol2number'] == {
        'file_input': 256
    }
