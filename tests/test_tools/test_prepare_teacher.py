"""tools/prepare_teacher.py: prune, fine-tune keeping the zeros, report."""
import json

import torch

from akd.compat.local_cfg_path import build_from_config_file
from akd.pruning import prunable_weights
from conftest import SEG_TEACHER, run_tool

FINETUNE = [
    '--', '--cfg-options', 'train_dataloader.batch_size=2',
    'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
    'default_hooks.checkpoint.interval=2', 'param_scheduler.0.end=1',
    'param_scheduler.1.end=2', 'optim_wrapper.optimizer.weight_decay=0.5'
]


def prunable(checkpoint):
    model = build_from_config_file(SEG_TEACHER)
    model.load_state_dict(torch.load(checkpoint)['state_dict'])
    return {n: w.detach() for n, w in prunable_weights(model).items()}


def test_prue_pruned_teacher_keeps_its_zeros_through_fine_tuning(
        toy_cityscapes, toy_weights, tmp_path):
    work_dir = tmp_path / 'prepared'
    process = run_tool('tools/prepare_teacher.py', SEG_TEACHER,
                       toy_weights['seg_teacher'], '--criterion', 'prue',
                       '--sparsity', '0.3', '--batches', '1', '--finetune',
                       '--work-dir', str(work_dir), '--data-root',
                       toy_cityscapes, *FINETUNE)
    report = json.loads((work_dir / 'report.json').read_text())
    pruned, teacher = (prunable(work_dir / 'pruned.pth'),
                       prunable(work_dir / 'teacher.pth'))
    total = sum(w.numel() for w in pruned.values())
    # the sparsity asked for, to one weight
    zeros = sum(int((w == 0).sum()) for w in pruned.values())
    assert abs(zeros - 0.3 * total) <= 1
    assert report['pruning']['sparsity_reached'] == zeros / total
    # fine-tuning (with weight decay) moved the kept weights, not the zeros
    moved = 0
    for name, weight in pruned.items():
        assert torch.all(teacher[name][weight == 0] == 0), name
        moved += int((teacher[name] != weight)[weight != 0].sum())
    assert moved > 0.5 * (total - zeros)
    assert set(report['stages']) == {'dense', 'pruned', 'fine-tuned'}
    for metrics in report['stages'].values():
        assert 'mIoU' in metrics and metrics['response/entropy'] > 0
    assert 'prue pruning (global)' in process.stdout
    assert '| fine-tuned | mIoU' in process.stdout


def test_sparsity_out_of_range_is_refused(toy_weights):
    process = run_tool('tools/prepare_teacher.py', SEG_TEACHER,
                       toy_weights['seg_teacher'], '--sparsity', '1',
                       check=False)
    assert process.returncode == 2
    assert '--sparsity must be in [0, 1), got 1.0' in process.stderr
