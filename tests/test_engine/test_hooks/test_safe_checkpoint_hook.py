"""SafeCheckpointHook removes a checkpoint only after its successor is
saved, and a failed save stops with a message and removes nothing.

A runner stand-in records which files were in the work dir when each save
began, and can make a save fail as a full disk, a file-size limit or a
read-only directory does. The end-to-end cases (a real run killed while
saving, a real file-size limit) are in tests/test_tools/test_guarded_runs.py.
"""
import errno
import os
import uuid
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub, MMLogger

from akd.checkpoints.checkpoint_files import atomic_torch_save
from akd.engine.hooks import SafeCheckpointHook
from akd.utils.guard_error import GuardError


class RecordingRunner:
    """What ``CheckpointHook`` uses of a runner; ``save_checkpoint`` writes
    a small checkpoint atomically, or raises ``fail``."""

    def __init__(self, work_dir) -> None:
        self.work_dir = str(work_dir)
        self.iter = 0
        self.epoch = 0
        name = f'safe-checkpoint-{uuid.uuid4()}'
        self.message_hub = MessageHub.get_instance(name)
        self.logger = MMLogger.get_instance(name)
        self.train_loop = SimpleNamespace(max_iters=100)
        self.present_at_save = {}  # file name: files there when it began
        self.fail = None

    def save_checkpoint(self, out_dir, filename, *args, meta=None, **kwargs):
        self.present_at_save[filename] = sorted(os.listdir(out_dir))
        if self.fail is not None:
            raise self.fail
        atomic_torch_save(dict(meta=meta), os.path.join(out_dir, filename))

    def step(self, hook, metrics=None) -> None:
        """Train one iteration, then validate if ``metrics`` are given."""
        hook.after_train_iter(self, self.iter)
        self.iter += 1
        if metrics is not None:
            hook.after_val_epoch(self, metrics)


def _checkpoints(work_dir):
    return sorted(p for p in os.listdir(work_dir) if p.endswith('.pth'))


def _last_checkpoint(work_dir):
    with open(os.path.join(work_dir, 'last_checkpoint')) as f:
        return os.path.basename(f.read())


@pytest.fixture
def runner(tmp_path):
    return RecordingRunner(tmp_path)


def test_upstream_hook_removes_the_oldest_before_saving(runner):
    """Why the subclass exists: if mmengine changes this, it may go."""
    hook = CheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1)
    hook.before_train(runner)
    runner.step(hook)
    runner.step(hook)
    assert 'iter_1.pth' not in runner.present_at_save['iter_2.pth']


def test_retired_checkpoint_outlives_the_save_of_its_successor(runner):
    hook = SafeCheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=2)
    hook.before_train(runner)
    for _ in range(4):
        runner.step(hook)
    assert runner.present_at_save['iter_3.pth'] == [
        'iter_1.pth', 'iter_2.pth', 'last_checkpoint'
    ]
    assert runner.present_at_save['iter_4.pth'] == [
        'iter_2.pth', 'iter_3.pth', 'last_checkpoint'
    ]
    assert _checkpoints(runner.work_dir) == ['iter_3.pth', 'iter_4.pth']
    assert _last_checkpoint(runner.work_dir) == 'iter_4.pth'
    assert runner.message_hub.get_info('keep_ckpt_ids') == [3, 4]


def test_previous_best_outlives_the_save_of_the_new_best(runner):
    hook = SafeCheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1,
                              save_best='acc', rule='greater')
    hook.before_train(runner)
    runner.step(hook, dict(acc=0.5))
    runner.step(hook, dict(acc=0.4))  # not better: the best stays
    runner.step(hook, dict(acc=0.6))
    assert 'best_acc_iter_1.pth' in runner.present_at_save[
        'best_acc_iter_3.pth']
    assert _checkpoints(runner.work_dir) == [
        'best_acc_iter_3.pth', 'iter_3.pth'
    ]


@pytest.mark.parametrize('code, cause, fix', [
    (errno.ENOSPC, 'the disk or your quota is full',
     'Free space where {dir} is, lower default_hooks.checkpoint.'
     'max_keep_ckpts (saving needs room for one checkpoint more than it '
     'keeps), or save elsewhere with default_hooks.checkpoint.out_dir=PATH'),
    (errno.EFBIG, 'the checkpoint is larger than this process may write '
     '(its file-size limit, `ulimit -f`)', 'Raise the limit'),
    (errno.EACCES, '{dir} is not writable', 'Make it writable, or give '
     'another --work-dir'),
], ids=['disk-full', 'file-size-limit', 'permission'])
def test_failed_save_names_file_cause_and_fix_and_removes_nothing(
        runner, code, cause, fix):
    hook = SafeCheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1)
    hook.before_train(runner)
    runner.step(hook)
    runner.fail = OSError(code, os.strerror(code))
    with pytest.raises(GuardError) as error:
        runner.step(hook)
    path = os.path.join(runner.work_dir, 'iter_2.pth')
    size = os.path.getsize(os.path.join(runner.work_dir, 'iter_1.pth'))
    assert str(error.value).startswith(
        f'saving checkpoint {path} failed: {os.strerror(code)} '
        f'({errno.errorcode[code]}): {cause.format(dir=runner.work_dir)}. '
        'The run stopped; the checkpoints already saved are kept (iter_1.pth;'
        f' iter_1.pth takes {size / 2**20:,.1f} MiB). '
        f'{fix.format(dir=runner.work_dir)}'), str(error.value)
    assert str(error.value).endswith('; then --resume.')
    assert _checkpoints(runner.work_dir) == ['iter_1.pth']
    assert torch.load(os.path.join(runner.work_dir, 'iter_1.pth'),
                      weights_only=False)['meta']['iter'] == 1
    assert _last_checkpoint(runner.work_dir) == 'iter_1.pth'


def test_failed_best_save_keeps_the_previous_best(runner):
    hook = SafeCheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1,
                              save_best='acc', rule='greater')
    hook.before_train(runner)
    runner.step(hook, dict(acc=0.5))
    hook.after_train_iter(runner, runner.iter)
    runner.iter += 1
    runner.fail = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with pytest.raises(GuardError, match='saving checkpoint .*best_acc_iter_2'
                       r'\.pth failed'):
        hook.after_val_epoch(runner, dict(acc=0.6))
    assert 'best_acc_iter_1.pth' in _checkpoints(runner.work_dir)


def test_first_save_that_fails_says_nothing_was_saved(runner):
    hook = SafeCheckpointHook(interval=1, by_epoch=False)
    hook.before_train(runner)
    runner.fail = OSError(errno.EROFS, os.strerror(errno.EROFS))
    with pytest.raises(GuardError,
                       match='no checkpoint was saved before. Make it '
                       'writable.*; then start again.$'):
        runner.step(hook)
