"""tools/demo.py: AKD beside its base method, and the seed spread that the
demo prints from docs/results.md for every row it trains."""
import os.path as osp
import sys

from mmengine.config import Config

from conftest import REPO

sys.path.insert(0, osp.join(REPO, 'tools'))
from demo import TASKS, seed_spread  # noqa: E402


def test_every_demo_student_has_its_seed_spread(monkeypatch):
    monkeypatch.chdir(REPO)
    for task in TASKS:
        spread = seed_spread(task)
        assert list(spread) == list(task.students)
        for text in spread.values():  # 'mean +- std (min-max)'
            mean, rest = text.split(' +- ')
            low, high = rest.split('(')[1].rstrip(')').split('-')
            assert float(low) <= float(mean) <= float(high)


def test_the_akd_run_wraps_the_base_runs_loss():
    for task in TASKS:
        base = Config.fromfile(osp.join(REPO, task.base.config)).model
        akd = Config.fromfile(osp.join(REPO, task.akd.config)).model
        (base_loss, ) = base.distiller.distill_losses.values()
        (akd_loss, ) = akd.distiller.distill_losses.values()
        assert akd_loss.type == 'AvatarKDLoss'
        assert akd_loss.base_loss == base_loss
        assert akd.teacher_ckpt == base.teacher_ckpt
        assert akd.architecture == base.architecture
