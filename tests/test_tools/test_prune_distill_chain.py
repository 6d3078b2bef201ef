"""tools/prune_distill_chain.py: prepare -> distill -> evaluate."""
import json

from conftest import SEG_DISTILL, run_tool

SHORT = [
    '--', '--cfg-options', 'train_dataloader.batch_size=2',
    'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
    'default_hooks.checkpoint.interval=2', 'param_scheduler.0.end=1',
    'param_scheduler.1.end=2'
]


def test_distils_from_the_teacher_and_reports_fidelity_and_ece(
        toy_cityscapes, toy_weights, tmp_path):
    work_dir = tmp_path / 'chain'
    process = run_tool('tools/prune_distill_chain.py', SEG_DISTILL,
                       toy_weights['seg_teacher'], '--criterion', 'none',
                       '--data-root', toy_cityscapes, '--work-dir',
                       str(work_dir), *SHORT)
    assert (work_dir / 'distill' / 'student.pth').is_file()
    metrics = json.loads(
        (work_dir / 'evaluate' / 'metrics.json').read_text())
    assert 0 <= metrics['fidelity/top1_agreement'] <= 1
    assert metrics['fidelity/kl'] >= 0 and 'calibration/ece' in metrics
    assert 'mIoU' in metrics and '[prune-distill] mIoU:' in process.stdout


def test_dry_run_prunes_then_distils_from_the_pruned_teacher(tmp_path):
    process = run_tool('tools/prune_distill_chain.py', SEG_DISTILL,
                       'teacher.pth', '--criterion', 'prue', '--sparsity',
                       '0.7', '--finetune', 'train_cfg.max_iters=100',
                       '--work-dir', str(tmp_path), '--dry-run')
    prepare, distill = [line for line in process.stdout.splitlines()
                        if line.startswith('[prune-distill]')]
    assert ('--criterion prue --sparsity 0.7' in prepare
            and '--finetune -- --cfg-options train_cfg.max_iters=100'
            in prepare)
    assert f'model.teacher_ckpt={tmp_path}/prepare/teacher.pth' in distill
