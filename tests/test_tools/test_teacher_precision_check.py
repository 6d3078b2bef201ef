"""tools/analysis/teacher_precision_check.py compares the same step's
distillation loss from a bfloat16 and a float32 teacher."""
import argparse
import os.path as osp
import sys

from conftest import DET_DISTILL, REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
from teacher_precision_check import compare  # noqa: E402


def test_pairs_differ_only_by_the_teachers_rounding():
    args = argparse.Namespace(
        config=osp.join(REPO, DET_DISTILL), device='cpu', dtype='bfloat16',
        channels_last=True, iters=3, batches=2, batch=2, size=[64, 64],
        lr=None)
    pairs = compare(args)
    assert len(pairs) == 3
    for float32, half in pairs:
        assert float32 != half  # the bfloat16 teacher did run
        assert abs(half - float32) <= 2**-8 * abs(float32)
