"""docs/own_model.md: the user's own detector and segmentor, from files
outside configs/, each distilled for one step by tools/train.py."""
import glob
import os.path as osp

import pytest
import torch

from conftest import REPO, tool_main
from distill_step import take_distillation_step

PROJECT = osp.join(REPO, 'docs', 'own_model')
CONFIGS = osp.join(PROJECT, 'configs')
DOC = osp.join(REPO, 'docs', 'own_model.md')
DETECTOR_RUN = [
    'train_dataloader.batch_size=2', 'train_dataloader.dataset.indices=2',
    'train_cfg.max_epochs=1', 'train_cfg.val_begin=2',
    'default_hooks.logger.interval=1'
]
SEGMENTOR_RUN = [
    'train_dataloader.batch_size=2', 'train_cfg.max_iters=1',
    'train_cfg.val_begin=2', 'default_hooks.checkpoint.interval=1',
    'default_hooks.logger.interval=1'
]


@pytest.fixture(scope='module')
def train_main():
    return tool_main('train')


@pytest.fixture
def distil_one_step(train_main, monkeypatch):
    """``distil_one_step(config, teacher, data_root, options, work_dir)``
    runs tools/train.py from the repo, the user's package importable (as
    after `pip install -e .` of it), and returns the run's log."""
    monkeypatch.syspath_prepend(PROJECT)
    monkeypatch.chdir(REPO)

    def run(config, teacher, data_root, options, work_dir) -> str:
        train_main([
            osp.join(CONFIGS, config), '--work-dir', str(work_dir),
            '--data-root', data_root, '--cfg-options',
            f'model.teacher_ckpt={teacher}', *options
        ])
        (log, ) = glob.glob(osp.join(work_dir, '*', '*.log'))
        with open(log) as f:
            return f.read()

    yield run
    torch.set_flush_denormal(False)  # as before tools/train.py set it


def random_teacher(config: str, path) -> str:
    """A checkpoint of the user's teacher, randomly initialised."""
    from akd.compat.local_cfg_path import build_from_config_file
    torch.manual_seed(0)
    model = build_from_config_file(osp.join(CONFIGS, config))
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return str(path)


def test_the_users_detector_distils_one_step(distil_one_step, toy_coco,
                                             tmp_path):
    """The AKD config, which inherits the CWD one, trained by the tool."""
    teacher = random_teacher('lite-retinanet_r18-w32_coco.py',
                             tmp_path / 'teacher.pth')
    log = distil_one_step('akd-cwd_lite-retinanet_r18-w32_r18-w16_coco.py',
                          teacher, toy_coco, DETECTOR_RUN, tmp_path / 'run')
    assert 'Epoch(train) [1][1/1]' in log and 'Epoch(val)' not in log
    assert osp.isfile(tmp_path / 'run' / 'epoch_1.pth')
    for level in range(5):  # every LiteFPN level, through its connector
        assert f'distill.loss_cwd{level}:' in log
    assert 'distill.akd4_weight_spread:' in log


@pytest.mark.parametrize('config', [
    'cwd_lite-retinanet_r18-w32_r18-w16_coco.py',
    'dkd_lite-retinanet_r18-w32_r18-w16_coco.py'
])
def test_the_other_detector_configs_take_a_step(config, monkeypatch):
    """One step on a synthetic batch (tests/distill_step.py): the user's
    modules, cfg_path files and, for DKD, the head's labels."""
    monkeypatch.syspath_prepend(PROJECT)
    log_vars = take_distillation_step(osp.join(CONFIGS, config))
    expected = (['distill.loss_dkd'] if config.startswith('dkd') else
                [f'distill.loss_cwd{level}' for level in range(5)])
    assert sorted(k for k in log_vars if k.startswith('distill.')) == expected


def test_the_users_segmentor_distils_one_step(distil_one_step,
                                              toy_cityscapes, tmp_path):
    teacher = random_teacher('lite-pspnet_r18-w32-d8_cityscapes.py',
                             tmp_path / 'teacher.pth')
    log = distil_one_step(
        'cwd_lite-pspnet_r18-w32-d8_r18-w16-d8_cityscapes.py', teacher,
        toy_cityscapes, SEGMENTOR_RUN, tmp_path / 'run')
    assert 'Iter(train) [1/1]' in log and 'Iter(val)' not in log
    assert 'distill.loss_cwd:' in log
    assert osp.isfile(tmp_path / 'run' / 'iter_1.pth')


def test_the_doc_shows_the_distillation_configs_as_they_are():
    with open(DOC) as f:
        doc = f.read()
    for name in ('cwd_lite-retinanet_r18-w32_r18-w16_coco.py',
                 'akd-cwd_lite-retinanet_r18-w32_r18-w16_coco.py',
                 'dkd_lite-retinanet_r18-w32_r18-w16_coco.py',
                 'cwd_lite-pspnet_r18-w32-d8_r18-w16-d8_cityscapes.py'):
        with open(osp.join(CONFIGS, name)) as f:
            assert f.read().strip() in doc, name
