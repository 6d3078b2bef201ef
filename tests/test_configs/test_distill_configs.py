"""akd's distillation configs build and train a step, and pair up as twins.

Every distillation config under configs/<method>/ is built as written,
apart from weights (no teacher checkpoint, no pretrained download), and
takes one optimisation step on a small synthetic batch on CPU: the COCO and
Cityscapes ones with their real architectures, the toy ones with theirs.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.logging import MessageHub

from conftest import REPO
from distill_step import take_distillation_step

STAGE_ONE = ('maskd-tokens', 'freekd-prompts')
CONFIGS = sorted(
    path for path in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '/toy_models/' not in path and '/_base_/' not in path
    and not osp.basename(path).startswith(STAGE_ONE)  # test_algorithms
    and not osp.basename(path).startswith('ls_'))  # plain models, smoothed
AKD = [p for p in CONFIGS if '/akd/' in p]


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.basename(p)[:-3] for p in CONFIGS])
def test_config_builds_and_takes_a_distillation_step(path):
    take_distillation_step(path)


@pytest.mark.parametrize(
    'path', AKD, ids=[osp.basename(p)[:-3] for p in AKD])
def test_akd_config_has_a_base_method_twin_with_the_same_setup(path):
    """Twins differ only in the distiller's losses, not data or models."""
    name = osp.basename(path)[len('akd-'):]
    method = name.split('_')[0]
    twin_path = osp.join(REPO, 'configs', method, name)
    assert osp.isfile(twin_path), f'{path} has no twin {twin_path}'
    akd, twin = Config.fromfile(path), Config.fromfile(twin_path)
    for key in ('train_dataloader', 'val_evaluator', 'optim_wrapper',
                'param_scheduler', 'train_cfg'):
        assert akd[key] == twin[key], key
    for key in ('architecture', 'teacher', 'teacher_ckpt', 'type'):
        assert akd.model[key] == twin.model[key], key
    types = [loss.type for loss in akd.model.distiller.distill_losses.values()]
    assert set(types) == {'AvatarKDLoss'}


def test_akd_step_logs_avatar_statistics():
    path = osp.join(REPO, 'configs', 'akd', 'akd-cwd_fpn_retina-r18-w32_'
                    'retina-r18-w16_toy-coco.py')
    take_distillation_step(path)
    logged = MessageHub.get_current_instance().log_scalars
    assert 'train/distill.akd_uncertainty' in logged
    assert 'train/distill.akd_weight_spread' in logged


def test_freekd_box_loss_takes_the_labels_its_readme_maps(tmp_path):
    """configs/freekd/README.md: recording DetTargetLabels and mapping them
    to loss_reg_head leaves the anchors without label weight out."""
    base = osp.join(REPO, 'configs', 'freekd',
                    'freekd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py')
    leaf = tmp_path / 'freekd_labelled_box_loss.py'
    leaf.write_text(
        f'_base_ = [{base!r}]\n'
        'model = dict(distiller=dict(\n'
        "    student_recorders=dict(gt_labels=dict(type='DetTargetLabels')),\n"
        '    loss_forward_mappings=dict(loss_reg_head=dict(\n'
        "        labels=dict(from_student=True, recorder='gt_labels')))))\n")
    log_vars = take_distillation_step(str(leaf))
    assert 'distill.loss_reg_head' in log_vars
