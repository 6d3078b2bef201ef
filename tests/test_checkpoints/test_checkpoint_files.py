import os

import pytest
import torch

from akd.checkpoints.checkpoint_files import (atomic_torch_save,
                                              newest_readable,
                                              numbered_checkpoints,
                                              read_checkpoint,
                                              remove_partial_files,
                                              unreadable_reason)
from akd.utils.atomic_file import atomic_write
from akd.utils.guard_error import GuardError


def _save(path, value=1.0):
    torch.save(dict(state_dict={'w': torch.full((100, ), value)}), path)
    return str(path)


def test_atomic_write_replaces_the_file_and_leaves_no_partial(tmp_path):
    path = tmp_path / 'iter_1.pth'
    atomic_torch_save({'w': torch.ones(2)}, str(path))
    atomic_torch_save({'w': torch.zeros(2)}, str(path))
    assert torch.equal(torch.load(path)['w'], torch.zeros(2))
    assert os.listdir(tmp_path) == ['iter_1.pth']


def test_interrupted_atomic_write_keeps_the_previous_file(tmp_path,
                                                          monkeypatch):
    path = str(tmp_path / 'iter_1.pth')
    atomic_write(b'previous', path)

    def interrupted(fd):
        raise KeyboardInterrupt  # a signal while the data is being synced

    monkeypatch.setattr(os, 'fsync', interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(b'new', path)
    with open(path, 'rb') as f:
        assert f.read() == b'previous'
    assert os.listdir(tmp_path) == ['iter_1.pth']


def test_unreadable_reason_finds_truncated_empty_and_corrupt_files(tmp_path):
    good = _save(tmp_path / 'good.pth')
    assert unreadable_reason(good) is None
    data = open(good, 'rb').read()
    (tmp_path / 'truncated.pth').write_bytes(data[:len(data) // 2])
    (tmp_path / 'empty.pth').write_bytes(b'')
    middle = len(data) // 2  # inside the tensor's data: its CRC breaks
    corrupt = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
    (tmp_path / 'corrupt.pth').write_bytes(corrupt)
    assert unreadable_reason(str(tmp_path / 'truncated.pth')).startswith(
        'BadZipFile')
    assert unreadable_reason(str(tmp_path / 'empty.pth')) == 'empty file'
    assert unreadable_reason(str(tmp_path / 'corrupt.pth')).startswith(
        'corrupt member')
    assert unreadable_reason(str(tmp_path / 'none.pth')) == 'no such file'


def test_legacy_torch_format_is_readable(tmp_path):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'w': torch.ones(2)}, path,
               _use_new_zipfile_serialization=False)
    assert unreadable_reason(path) is None


def test_numbered_checkpoints_are_newest_first_by_number(tmp_path):
    """``best_*`` checkpoints hold no optimiser state: not for resuming."""
    for name in ('iter_9.pth', 'iter_10.pth', 'best_coco_bbox_mAP_iter_12.pth',
                 'best_mIoU_epoch_3.pth', 'iter_2.pth'):
        _save(tmp_path / name)
    names = [os.path.basename(p) for p in numbered_checkpoints(tmp_path)]
    assert names == ['iter_10.pth', 'iter_9.pth', 'iter_2.pth']


def test_newest_readable_skips_torn_checkpoints(tmp_path):
    _save(tmp_path / 'iter_2.pth')
    torn = tmp_path / 'iter_4.pth'
    torn.write_bytes(b'PK\x03\x04 torn')
    found, skipped = newest_readable(str(tmp_path), str(torn))
    assert found == str(tmp_path / 'iter_2.pth')
    assert [path for path, _ in skipped] == [str(torn)]


def test_a_newer_checkpoint_of_an_earlier_run_is_not_taken(tmp_path):
    """``last_checkpoint`` names iter_4 (torn); iter_10 is left from an
    earlier, longer run in the same directory."""
    _save(tmp_path / 'iter_2.pth')
    _save(tmp_path / 'iter_10.pth')
    torn = tmp_path / 'iter_4.pth'
    torn.write_bytes(b'PK\x03\x04 torn')
    found, _ = newest_readable(str(tmp_path), str(torn))
    assert found == str(tmp_path / 'iter_2.pth')


def test_checkpoints_saved_without_crcs_are_readable(tmp_path):
    from torch.utils.serialization import config
    path = str(tmp_path / 'no_crc.pth')
    config.save.compute_crc32 = False
    try:
        _save(path)
    finally:
        config.save.compute_crc32 = True
    assert unreadable_reason(path) is None


def test_partial_files_of_killed_saves_are_removed(tmp_path):
    (tmp_path / '.iter_4.pth.123.part').write_bytes(b'half')
    _save(tmp_path / 'iter_2.pth')
    assert [os.path.basename(p)
            for p in remove_partial_files(str(tmp_path))] == [
                '.iter_4.pth.123.part'
            ]
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_read_checkpoint_names_the_key_for_missing_and_torn_files(tmp_path):
    with pytest.raises(GuardError, match="model.teacher_ckpt='nowhere.pth' "
                       'does not exist'):
        read_checkpoint('nowhere.pth', 'model.teacher_ckpt')
    torn = tmp_path / 't.pth'
    torn.write_bytes(b'PK\x03\x04 torn')
    with pytest.raises(GuardError, match="model.teacher_ckpt='.*t.pth' is "
                       'not a readable checkpoint'):
        read_checkpoint(str(torn), 'model.teacher_ckpt')
    assert read_checkpoint(_save(tmp_path / 'ok.pth'), 'k')['state_dict']
