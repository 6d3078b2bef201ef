"""tools/analysis/benchmark_distill.py measures every part it names.

Its numbers are timings and not checked here (speed is measured by the
benchmark, never by a timed test); what is checked is that each part runs
what it says, so that the ratios compare the right steps.
"""
import os.path as osp
import subprocess
import sys

import torch

from conftest import AKD_DISTILL, REPO, SEG_DISTILL

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
from benchmark_distill import (Bench, default_size, load_config,  # noqa
                               top_operators)

TOOL = osp.join(REPO, 'tools', 'analysis', 'benchmark_distill.py')


def _bench(path: str, size=(64, 64)) -> Bench:
    cfg = load_config(osp.join(REPO, path), None)
    return Bench(cfg, batch_size=2, size=size, device='cpu', amp=False)


def test_parts_run_the_steps_they_name(monkeypatch):
    from mmrazor.models.algorithms import SingleTeacherDistill
    bench = _bench(SEG_DISTILL)
    assert bench.model.teacher_forward.mode == 'tensor'
    assert bench.mmrazor_loss is SingleTeacherDistill.loss
    calls = []
    monkeypatch.setattr(
        bench, 'mmrazor_loss',
        lambda *args: calls.append('c') or SingleTeacherDistill.loss(*args))
    teacher_calls = []
    bench.model.teacher.register_forward_hook(
        lambda *args: teacher_calls.append(1))
    bench.run('b')
    assert not teacher_calls  # 'tensor': the head, not the whole model
    bench.run('c')
    assert calls == ['c']
    for part in ('a', 'b', 'c', 'd', 'e'):
        bench.run(part)
    grads = [p.grad for p in bench.model.parameters()]
    assert all(g is None for g in grads)  # each part drops its gradients


def test_losses_alone_backpropagate_to_the_kept_student_records():
    bench = _bench(AKD_DISTILL, size=(128, 128))
    bench.run('e')
    records = bench._student_records['fpn'][0]  # 5 neck levels, leaves
    assert all(r.grad is None for r in records)  # dropped after the step
    losses = bench.model.distiller.compute_distill_losses()
    sum(losses.values()).backward()
    # the 5th level is 1x1 at stride 128: CWD's spatial softmax is constant
    assert all(torch.count_nonzero(r.grad) > 0 for r in records[:4])


def test_prints_a_row_with_the_chosen_teacher_forward():
    out = subprocess.run(
        [sys.executable, TOOL, SEG_DISTILL, '--iters', '1', '--batch', '2',
         '--size', '32', '64', '--no-memory'],
        cwd=REPO, capture_output=True, text=True, check=True).stdout
    row = [line for line in out.splitlines() if line.startswith('| 32x64 x 2')]
    assert len(row) == 1 and '(tensor)' in row[0], out
    cells = row[0].strip('|').split('|')
    assert len(cells) == 15 and all(c.strip() for c in cells)


def test_default_size_is_the_largest_scale_a_pipeline_picks():
    sizes = {
        'configs/cwd/cwd_fpn_retina-r101_retina-r50_1x_coco.py': (800, 1333),
        'configs/cwd/cwd_fpn_fcos-r101_fcos-r50_2x_coco.py': (800, 1333),
        SEG_DISTILL: (128, 256),
    }
    for path, size in sizes.items():
        assert default_size(load_config(osp.join(REPO, path), None)) == size


def test_per_avatar_rows_build_the_losses_with_one_call_per_avatar():
    from argparse import Namespace

    from mmrazor.registry import MODELS

    from benchmark_distill import setting_config, settings
    args = Namespace(cfg_options=None, size=[64, 64], batch=2,
                     scaling=False, per_avatar_too=True, device='cpu',
                     amp=False)
    rows = settings(osp.join(REPO, AKD_DISTILL), args)
    assert [row.get('one_pass') for row in rows] == [None, False]
    assert rows[1]['label'].endswith('one call per avatar')
    for row, one_pass in zip(rows, (True, False)):
        entries = setting_config(row).model.distiller.distill_losses
        losses = [MODELS.build(dict(cfg, _scope_='mmrazor'))
                  for cfg in entries.values()]
        assert [loss.one_pass for loss in losses] == [one_pass]
    plain = settings(osp.join(REPO, SEG_DISTILL), args)  # no AKD loss
    assert len(plain) == 1


def test_profile_lists_the_operators_of_the_losses_alone():
    """The profile is of (e): the CWD loss's softmax is in it, the student's
    convolutions are not."""
    table = top_operators(_bench(SEG_DISTILL, size=(32, 64)), iters=1,
                          count=200, device='cpu')
    assert 'aten::_softmax' in table or 'aten::softmax' in table, table
    assert 'convolution' not in table, table
