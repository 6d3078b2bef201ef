"""Distillation mistakes stop with one line naming key, value and fix.

Each mistake is injected as a user makes it: a config key or file given to
``tools/train.py`` (or ``tools/test.py``). Runs that stop before training,
or within two iterations, call the tool's ``main`` in this process; the run
killed while saving is a subprocess.
"""
import glob
import os
import os.path as osp
import resource
import shutil
import subprocess
import sys
import textwrap

import pytest
import torch

import akd  # noqa: F401  (torch.load of mmengine checkpoints)
from conftest import (AKD_DISTILL, DET_DISTILL, DET_STUDENT, REPO, SEG_DISTILL,
                      run_tool, tool_main)

SHORT = [
    'train_dataloader.batch_size=2', 'train_cfg.max_iters=2',
    'train_cfg.val_interval=100', 'default_hooks.logger.interval=1'
]
SAVING = [
    'train_dataloader.batch_size=2', 'train_cfg.max_iters=4',
    'train_cfg.val_interval=100', 'default_hooks.checkpoint.interval=2',
    'default_hooks.checkpoint.max_keep_ckpts=-1',
    'default_hooks.logger.interval=1'
]


@pytest.fixture(scope='module')
def train_main():
    return tool_main('train')


@pytest.fixture
def train(train_main, toy_coco, toy_cityscapes, toy_weights, tmp_path,
          monkeypatch):
    """``train(*cfg_options, config=..., expect_error=True)`` runs
    tools/train.py with the toy data and a fitting teacher; returns its
    one-line error, or the run's log when it finished."""
    monkeypatch.chdir(REPO)
    work_dir = tmp_path / 'run'

    def run(*options, config=DET_DISTILL, expect_error=True, args=()):
        seg = 'cityscapes' in config
        teacher = toy_weights['seg_teacher' if seg else 'det_teacher']
        argv = [
            config, '--work-dir', str(work_dir), '--data-root',
            toy_cityscapes if seg else toy_coco, *args, '--cfg-options',
            f'model.teacher_ckpt={teacher}', *SHORT, *options
        ]
        if not expect_error:
            train_main(argv)
            return _log(work_dir)
        with pytest.raises(SystemExit) as stopped:
            train_main(argv)
        message = str(stopped.value.code)
        assert message.startswith('error: ') and '\n' not in message, message
        return message

    yield run
    torch.set_flush_denormal(False)  # as before tools/train.py set it


def _log(work_dir) -> str:
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    with open(logs[-1]) as f:
        return f.read()


def _config(tmp_path, body: str, base: str = DET_DISTILL) -> str:
    """A user's config file inheriting ``base``."""
    path = tmp_path / 'user_config.py'
    path.write_text(f'_base_ = [{osp.join(REPO, base)!r}]\n' +
                    textwrap.dedent(body))
    return str(path)


# Files read at start

def test_truncated_annotation_file_stops_before_building(
        train, toy_coco, tmp_path):
    cut = tmp_path / 'toy_coco_cut'
    shutil.copytree(toy_coco, cut)
    ann = cut / 'annotations' / 'instances_train2017.json'
    with open(ann, 'r+b') as f:
        f.truncate(ann.stat().st_size // 2)
    error = train(args=['--data-root', str(cut)])
    assert error.startswith(
        "error: train_dataloader.dataset.ann_file='annotations/instances_"
        f"train2017.json' ({cut}/annotations/instances_train2017.json) is "
        'not valid JSON: '), error
    assert 'its brackets are left open, so it is truncated' in error


# Checkpoints loaded into a model

def test_teacher_checkpoint_of_another_width_is_refused(train, toy_weights):
    error = train(f'model.teacher_ckpt={toy_weights["det_student"]}')
    assert f"model.teacher_ckpt='{toy_weights['det_student']}' does not " \
        'fit the backbone and neck of model.teacher (RetinaNet)' in error
    assert 'backbone.conv1.weight (16, 3, 7, 7) in the file, (32, 3, 7, 7) ' \
        'in the model' in error
    assert 'likely cause: a checkpoint of the same architecture with other ' \
        'widths' in error


def test_teacher_checkpoint_of_another_task_is_refused(train, toy_weights):
    error = train(f'model.teacher_ckpt={toy_weights["seg_teacher"]}')
    assert 'does not fit the backbone and neck of model.teacher' in error
    assert 'likely cause: a checkpoint of a segmentor, loaded into a ' \
        'detector' in error


def test_distillation_checkpoint_as_teacher_names_both_choices(
        train, toy_weights):
    error = train(f'model.teacher_ckpt={toy_weights["distillation"]}')
    assert 'is a distillation checkpoint' in error
    assert 'convert_kd_ckpt_to_student.py' in error
    assert 'student.pth`' in error and '--prefix teacher.' in error


def test_plain_student_checkpoint_as_load_from_becomes_the_student(
        train, toy_weights):
    log = train(f'load_from={toy_weights["det_student"]}',
                expect_error=False)
    assert 'holds a plain model: it is loaded as the student' in log
    assert 'fills 100.0% of the student (RetinaNet)' in log


def test_load_from_of_another_width_is_refused(train, toy_weights):
    error = train(f'load_from={toy_weights["det_teacher"]}')
    assert f"load_from='{toy_weights['det_teacher']}' does not fit the " \
        'student (RetinaNet)' in error
    assert 'default_hooks.checkpoint_fit.min_coverage (now 0.5)' in error


def test_test_tool_refuses_a_checkpoint_of_another_model(
        toy_coco, toy_weights, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    with pytest.raises(SystemExit) as stopped:
        tool_main('test')([
            'configs/toy_models/retinanet_r18-w16_fpn_toy-coco.py',
            toy_weights['seg_teacher'], '--work-dir',
            str(tmp_path), '--data-root', toy_coco
        ])
    message = str(stopped.value.code)
    assert f"load_from='{toy_weights['seg_teacher']}' does not fit the " \
        'RetinaNet' in message
    assert 'a checkpoint of a segmentor, loaded into a detector' in message


# The distiller's config, before iteration 1

def test_loss_key_without_loss_is_refused(train, tmp_path):
    config = _config(
        tmp_path, """
        model = dict(distiller=dict(
            distill_losses=dict(cwd=dict(type='ChannelWiseDivergence')),
            loss_forward_mappings=dict(cwd=dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=0),
                preds_T=dict(from_student=False, recorder='fpn',
                             data_idx=0)))))
        """)
    error = train(config=config)
    assert "model.distiller.distill_losses.cwd: the key lacks 'loss'" in error
    assert 'never back-propagated' in error and 'loss_cwd' in error


@pytest.mark.parametrize('option, expected', [
    ('model.distiller.student_recorders.fpn.source=neck.fpn_convs',
     "model.distiller.student_recorders.fpn.source='neck.fpn_convs' is a "
     'ModuleList, which is never called itself'),
    ('model.distiller.teacher_recorders.fpn.source=nek',
     "model.distiller.teacher_recorders.fpn.source='nek' is not a module of "
     "the RetinaNet these recorders hook (closest: 'neck')"),
    ('model.distiller.distill_losses.loss_cwd_fpn0.tua=2',
     "model.distiller.distill_losses.loss_cwd_fpn0.tua: ChannelWiseDivergence"
     " takes no argument 'tua' (closest: 'tau')"),
    ('model.distiller.distill_losses.loss_cwd_fpn1.type=ChannelWiseDivergance',
     "model.distiller.distill_losses.loss_cwd_fpn1.type="
     "'ChannelWiseDivergance' is not registered in MMRazor's MODELS "
     "(closest: 'ChannelWiseDivergence'"),
    ('model.distiller.loss_forward_mappings.loss_cwd_fpn2.preds_T.recorder='
     'fnp', "model.distiller.loss_forward_mappings.loss_cwd_fpn2.preds_T."
     "recorder='fnp' is not in model.distiller.teacher_recorders (closest: "
     "'fpn')"),
    ('model.distiller.loss_forward_mappings.loss_cwd_fpn3.preds_s.recorder='
     'fpn', 'model.distiller.loss_forward_mappings.loss_cwd_fpn3.preds_s: '
     "ChannelWiseDivergence.forward takes no 'preds_s' (closest: 'preds_S'"),
    ('model.distiller.loss_forward_mappings.loss_cwd_fpn4.preds_T.data_index='
     '4', 'model.distiller.loss_forward_mappings.loss_cwd_fpn4.preds_T.'
     "data_index: not a record key (closest: 'data_idx'"),
],
                         ids=[
                             'module-list-recorder', 'misspelt-source',
                             'unknown-loss-argument', 'unknown-loss-type',
                             'unknown-recorder', 'unknown-forward-argument',
                             'unknown-record-key'
                         ])
def test_config_mistake_is_named_before_training(train, option, expected):
    assert expected in train(option)


# At iteration 1

def test_width_mismatch_names_the_connector_to_add(train):
    error = train('model.distiller.student_recorders.fpn.source=backbone',
                  'model.distiller.teacher_recorders.fpn.source=backbone')
    assert 'model.distiller.distill_losses.loss_cwd_fpn0 ' \
        '(ChannelWiseDivergence) cannot take preds_S from student recorder ' \
        "'fpn' (data_idx=0): (2, 16, 32, 32) and preds_T from teacher " \
        "recorder 'fpn' (data_idx=0): (2, 32, 32, 32)" in error
    assert "connectors=dict(loss_cwd_fpn0_s=dict(type='ConvModuleConnector'," \
        ' in_channel=16, out_channel=32' in error


def test_a_losss_own_input_error_is_named_under_its_key(train):
    error = train('train_dataloader.batch_size=1', config=AKD_DISTILL)
    assert error.startswith(
        'error: model.distiller.distill_losses.loss_akd: AvatarKDLoss('
        'ChannelWiseDivergence): the teacher map (1, 64, 1, 1) has one '
        'value per channel'), error
    assert 'train_dataloader.batch_size' in error


def test_recorder_on_a_module_never_called_names_children_that_ran(train):
    """mmseg's decode_head.loss calls forward directly, not the module."""
    error = train('model.distiller.student_recorders.logits.source='
                  'decode_head', config=SEG_DISTILL)
    assert "model.distiller.student_recorders.logits (source 'decode_head') " \
        'recorded nothing' in error
    assert 'decode_head.conv_seg' in error
    assert "dict(type='ModuleOutputs', source='decode_head." in error


def test_teacher_head_recorder_under_fpn_teacher_distill_explains_why(train):
    error = train('model.distiller.teacher_recorders.fpn.source=bbox_head')
    assert "model.distiller.teacher_recorders.fpn (source 'bbox_head') " \
        'recorded nothing' in error
    assert ("teacher_forward='extract_feat', which FpnTeacherDistill "
            "means, runs only the teacher's backbone and neck" in error)


def test_connector_that_gets_no_gradient_is_named(train, tmp_path):
    """KLDivergence detaches the teacher, so a connector on the teacher's
    side never trains."""
    config = _config(
        tmp_path, """
        model = dict(distiller=dict(
            connectors=dict(t_proj=dict(type='ConvModuleConnector',
                                        in_channel=64, out_channel=64,
                                        norm_cfg=None, act_cfg=None)),
            distill_losses=dict(loss_kl=dict(type='KLDivergence')),
            loss_forward_mappings=dict(loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=0),
                preds_T=dict(from_student=False, recorder='fpn', data_idx=0,
                             connector='t_proj')))))
        """)
    error = train(config=config)
    assert 'model.distiller.connectors.t_proj received no gradient in ' \
        'iteration 1' in error


# Exploding losses

def test_exploding_loss_stops_at_the_first_non_finite_step(train, tmp_path):
    error = train('optim_wrapper.optimizer.lr=1e12',
                  'optim_wrapper.clip_grad=None', 'train_cfg.max_iters=4')
    assert error.startswith('error: non-finite loss at iteration 2: loss=')
    assert 'no checkpoint was saved before' in error
    assert 'default_hooks.non_finite_guard.max_skips=N' in error
    assert not glob.glob(str(tmp_path / 'run' / '*.pth'))


def test_non_finite_weights_are_never_saved(train, tmp_path):
    """An infinite learning rate turns the weights non-finite in the step of
    iteration 1, whose loss was finite; the checkpoint due then is
    refused."""
    error = train('optim_wrapper.optimizer.lr=inf',
                  'optim_wrapper.clip_grad=None',
                  'default_hooks.checkpoint.interval=1')
    assert 'the weights became non-finite by iteration 1' in error
    assert 'the checkpoint due now was not saved' in error
    assert not glob.glob(str(tmp_path / 'run' / '*.pth'))


def test_guard_skips_up_to_max_skips_in_a_row(train, tmp_path):
    """A loss weight past float32's range (1e39; NaN is refused at build):
    a loss that is infinite while the forward pass, and so the
    normalisation statistics, stay finite."""
    error = train('model.distiller.distill_losses.loss_cwd_fpn0.loss_weight='
                  '1e39', 'default_hooks.non_finite_guard.max_skips=2',
                  'train_cfg.max_iters=6')
    assert error.startswith('error: non-finite loss at iteration 3: loss=inf,'
                            ' distill.loss_cwd_fpn0=inf (3 steps in a row)')
    log = _log(tmp_path / 'run')
    assert 'non-finite loss at iteration 1' in log
    assert 'step skipped (2 in a row; default_hooks.non_finite_guard.' \
        'max_skips=2)' in log


def test_a_step_that_poisoned_batch_norm_is_not_skipped(train):
    error = train('optim_wrapper.optimizer.lr=1e12',
                  'optim_wrapper.clip_grad=None', 'train_cfg.max_iters=6',
                  'default_hooks.non_finite_guard.max_skips=2')
    assert error.startswith('error: non-finite loss at iteration 2:')
    assert 'its forward pass wrote non-finite buffers (first: ' \
        'architecture.backbone.' in error
    assert 'so the step cannot be skipped' in error


# Resuming

def _truncate(path: str) -> None:
    with open(path, 'r+b') as f:
        f.truncate(os.path.getsize(path) // 2)


@pytest.fixture(scope='module')
def saved_run(train_main, toy_coco, toy_weights, tmp_path_factory):
    """A 4-iteration run that saved iter_2.pth and iter_4.pth."""
    work_dir = tmp_path_factory.mktemp('saved') / 'run'
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        train_main([
            DET_DISTILL, '--work-dir',
            str(work_dir), '--data-root', toy_coco, '--cfg-options',
            f'model.teacher_ckpt={toy_weights["det_teacher"]}', *SHORT,
            *SAVING
        ])
    finally:
        os.chdir(cwd)
        torch.set_flush_denormal(False)
    return work_dir


@pytest.fixture
def work_dir_copy(saved_run, tmp_path):
    """The saved run, copied where ``train`` works, its last_checkpoint
    pointing into the copy."""
    work_dir = tmp_path / 'run'
    shutil.copytree(saved_run, work_dir)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_4.pth'))
    return work_dir


def test_resume_skips_a_truncated_newest_checkpoint(train, work_dir_copy):
    _truncate(str(work_dir_copy / 'iter_4.pth'))
    log = train(*SAVING, args=['--resume'], expect_error=False)
    assert 'iter_4.pth is unreadable (BadZipFile' in log
    assert 'iter_2.pth, the newest readable checkpoint' in log
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Saving checkpoint at 4 iterations' in log


def test_resume_with_no_readable_checkpoint_stops(train, work_dir_copy):
    for name in ('iter_2.pth', 'iter_4.pth'):
        _truncate(str(work_dir_copy / name))
    error = train(*SAVING, args=['--resume'])
    assert 'resume: no checkpoint in work_dir=' in error
    assert 'is readable' in error and 'iter_2.pth (BadZipFile' in error


def test_resume_from_a_truncated_file_names_it(train, work_dir_copy):
    path = str(work_dir_copy / 'iter_4.pth')
    _truncate(path)
    error = train(*SAVING, args=['--resume', path])
    assert f"--resume '{path}' is not a readable checkpoint (BadZipFile" \
        in error
    assert 'Give an older checkpoint, or --resume alone' in error


KILL_AT_SECOND_FSYNC = """
import os, runpy, signal, sys
fsync, calls = os.fsync, []
def kill_at_second_save(fd):  # akd writes, fsyncs, then renames
    calls.append(fd)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    fsync(fd)
os.fsync = kill_at_second_save
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def test_kill_while_saving_keeps_the_previous_checkpoint_and_resumes(
        toy_coco, toy_weights, tmp_path):
    """With max_keep_ckpts=1, mmengine's own hook has removed iter_2.pth
    by the time iter_4.pth is written."""
    work_dir = tmp_path / 'run'
    args = [
        'tools/train.py', DET_DISTILL, '--work-dir',
        str(work_dir), '--data-root', toy_coco, '--cfg-options',
        f'model.teacher_ckpt={toy_weights["det_teacher"]}', *SAVING,
        'default_hooks.checkpoint.max_keep_ckpts=1'
    ]
    killed = subprocess.run(
        [sys.executable, '-c', KILL_AT_SECOND_FSYNC, *args], cwd=REPO,
        capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert not (work_dir / 'iter_4.pth').exists()
    assert torch.load(work_dir / 'iter_2.pth')['meta']['iter'] == 2
    resumed = run_tool(*args, '--resume')
    output = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 0, iter: 2' in output
    assert torch.load(work_dir / 'iter_4.pth')['meta']['iter'] == 4
    assert not (work_dir / 'iter_2.pth').exists()  # retired once 4 was whole


def test_save_over_the_file_size_limit_stops_and_keeps_older_checkpoints(
        train, work_dir_copy):
    """A real write error: the process may write no file over 1 MiB (a
    toy checkpoint is larger); the run resumed at 4 fails to save 6."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, hard))
    try:
        error = train(*SAVING, 'train_cfg.max_iters=6',
                      'default_hooks.checkpoint.max_keep_ckpts=1',
                      args=['--resume'])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert error.startswith(
        f'error: saving checkpoint {work_dir_copy}/iter_6.pth failed: File '
        'too large (EFBIG): the checkpoint is larger than this process may '
        'write'), error
    assert 'the checkpoints already saved are kept (iter_4.pth, iter_2.pth;'\
        in error
    assert error.endswith('; then --resume.')
    assert torch.load(work_dir_copy / 'iter_4.pth')['meta']['iter'] == 4
    assert (work_dir_copy / 'last_checkpoint').read_text().endswith(
        'iter_4.pth')
    assert not glob.glob(str(work_dir_copy / '.*.part'))


def _edited(path, tmp_path, edit) -> str:
    """A copy of checkpoint ``path`` changed by ``edit(checkpoint)``."""
    checkpoint = torch.load(path, weights_only=False)
    edit(checkpoint)
    edited = str(tmp_path / 'edited.pth')
    torch.save(checkpoint, edited)
    return edited


def _plain_training_checkpoint(checkpoint):
    """The student of a distillation checkpoint, as if trained alone."""
    checkpoint['state_dict'] = {
        key[len('architecture.'):]: value
        for key, value in checkpoint['state_dict'].items()
        if key.startswith('architecture.')
    }


def test_resume_from_another_models_checkpoint_is_refused(
        train, saved_run):
    error = train(config=SEG_DISTILL,
                  args=['--resume', str(saved_run / 'iter_2.pth')])
    assert f"resume='{saved_run}/iter_2.pth' is not a checkpoint of this " \
        "run's FrozenTeacherDistill: it fills " in error
    assert 'likely cause: a checkpoint of a detector, loaded into a ' \
        'segmentor' in error
    assert '--resume continues a run of the same config; to start from its ' \
        f'weights instead with --cfg-options load_from={saved_run}/' \
        'iter_2.pth (without --resume).' in error


@pytest.mark.parametrize('edit, expected', [
    (None, 'holds weights only (no iteration, no optimizer state): --resume '
     'continues a run from a checkpoint that run saved. To start from its '
     'weights instead with --cfg-options load_from='),
    (lambda checkpoint: checkpoint.pop('optimizer'),
     'holds the weights and iteration 2 but no optimizer state (a best_* or '
     'published checkpoint is saved without it). Resume with a fresh '
     'optimizer: --cfg-options default_hooks.checkpoint_fit.'
     'resume_optimizer=False; or start from its weights'),
    (_plain_training_checkpoint, 'is a checkpoint of a plain model, and this '
     'run trains a distillation (FrozenTeacherDistill): --resume continues a'
     ' run of the same config'),
], ids=['model-weights', 'no-optimizer-state', 'plain-training-run'])
def test_resume_from_a_checkpoint_that_cannot_continue_the_run_is_refused(
        train, saved_run, toy_weights, tmp_path, edit, expected):
    path = (toy_weights['det_student'] if edit is None else _edited(
        saved_run / 'iter_2.pth', tmp_path, edit))
    assert expected in train(args=['--resume', path])


def test_resume_with_an_optimizer_of_another_layout_names_it_and_the_choice(
        train, saved_run):
    """A paramwise_cfg gives each parameter a group of its own."""
    path = str(saved_run / 'iter_2.pth')
    layout = 'optim_wrapper.paramwise_cfg.norm_decay_mult=0'
    error = train(layout, args=['--resume', path])
    assert f"resume='{path}': its optimizer state does not fit this run's " \
        'optimizer: 1 parameter group (' in error
    assert 'tensors) in the file, ' in error and 'tensors in all) in this ' \
        'run (optim_wrapper, its paramwise_cfg or the modules that train ' \
        'changed since it was saved)' in error
    assert 'default_hooks.checkpoint_fit.resume_optimizer=False' in error
    log = train(layout, 'default_hooks.checkpoint_fit.resume_optimizer=False',
                'train_cfg.max_iters=3', args=['--resume', path],
                expect_error=False)
    assert 'its optimizer state is not loaded (default_hooks.checkpoint_fit' \
        '.resume_optimizer=False); the optimizer starts afresh at iteration ' \
        '2' in log
    assert 'resumed epoch: 0, iter: 2' in log


# Downloads on a machine that cannot reach them

def test_unreachable_teacher_url_stops_before_building(train):
    url = 'http://127.0.0.1:9/retinanet_r101.pth'  # nothing listens on 9
    error = train(f'model.teacher_ckpt={url}')
    assert f"model.teacher_ckpt='{url}' cannot be downloaded from this " \
        'machine (ConnectionRefusedError' in error
    assert 'give its local path in model.teacher_ckpt' in error


def test_unreachable_backbone_init_url_is_named_with_its_key(
        train, tmp_path, monkeypatch):
    monkeypatch.setenv('http_proxy', 'http://127.0.0.1:9')  # offline
    monkeypatch.setenv('https_proxy', 'http://127.0.0.1:9')
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    student = tmp_path / 'student.py'
    base = osp.join(REPO, DET_STUDENT)
    student.write_text(
        f'_base_ = {base!r}\n'
        "model = dict(backbone=dict(init_cfg=dict(_delete_=True, "
        "type='Pretrained', "
        "checkpoint='torchvision://resnet18')))\n")
    config = _config(
        tmp_path, f"""
        model = dict(architecture=dict(cfg_path={str(student)!r}))
        """)
    error = train(config=config)
    assert f"model.architecture(cfg_path='{student}').model.backbone." \
        "init_cfg.checkpoint='torchvision://resnet18' (from https://" \
        'download.pytorch.org/models/resnet18' in error
    assert 'cannot be downloaded from this machine' in error
