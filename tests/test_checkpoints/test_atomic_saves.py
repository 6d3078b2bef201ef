"""mmengine's checkpoints are written atomically (akd's local storage
backend); an automatic resume skips torn ones."""
import os

import mmengine.runner.checkpoint as checkpoint
import pytest
import torch
from mmengine.fileio import get_file_backend

import akd  # noqa: F401
from akd.checkpoints.atomic_backend import AtomicLocalBackend
from akd.checkpoints.checkpoint_files import checkpoint_to_resume
from akd.utils.guard_error import GuardError


def _latest(work_dir, name):
    (work_dir / 'last_checkpoint').write_text(str(work_dir / name))


def test_local_files_go_through_akds_backend(tmp_path):
    assert type(get_file_backend(str(tmp_path))) is AtomicLocalBackend


def test_save_interrupted_while_writing_keeps_the_previous_checkpoint(
        tmp_path, monkeypatch):
    path = str(tmp_path / 'iter_2.pth')
    checkpoint.save_checkpoint(dict(w=torch.ones(3)), path)

    def interrupted(fd):
        raise KeyboardInterrupt  # the job is stopped mid-save

    monkeypatch.setattr(os, 'fsync', interrupted)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save_checkpoint(dict(w=torch.zeros(3)), path)
    assert torch.equal(torch.load(path)['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_resume_skips_a_torn_newest_checkpoint(tmp_path):
    good = str(tmp_path / 'iter_2.pth')
    checkpoint.save_checkpoint(dict(w=torch.ones(3)), good)
    (tmp_path / 'iter_4.pth').write_bytes(b'PK\x03\x04 torn by a kill')
    _latest(tmp_path, 'iter_4.pth')
    assert checkpoint_to_resume(str(tmp_path)) == good


def test_resume_stops_when_no_checkpoint_is_readable(tmp_path):
    (tmp_path / 'iter_4.pth').write_bytes(b'')
    _latest(tmp_path, 'iter_4.pth')
    with pytest.raises(GuardError, match=r'no checkpoint in work_dir=.* is '
                       r'readable: .*iter_4.pth \(empty file\)'):
        checkpoint_to_resume(str(tmp_path))


def test_fresh_work_dir_has_nothing_to_resume(tmp_path):
    assert checkpoint_to_resume(str(tmp_path)) is None
