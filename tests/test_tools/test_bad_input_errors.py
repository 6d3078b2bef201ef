"""Bad input ends with one clear line naming the problem and the fix."""
from conftest import DET_DISTILL, DET_STUDENT, run_tool


def _fails_with(*args):
    process = run_tool(*args, check=False)
    assert process.returncode != 0
    assert 'Traceback' not in process.stderr, process.stderr[-3000:]
    return process.stderr


def test_missing_config_path_is_named():
    stderr = _fails_with('tools/train.py', 'configs/no/such_config.py')
    assert "config file 'configs/no/such_config.py' does not exist" in stderr


def test_missing_data_root_names_key_and_fix(tmp_path):
    stderr = _fails_with('tools/train.py', DET_STUDENT, '--data-root',
                         str(tmp_path / 'nowhere'))
    assert 'train_dataloader.dataset.data_root=' in stderr
    assert 'does not exist' in stderr and '--data-root' in stderr


def test_missing_teacher_checkpoint_names_key_and_fix(toy_coco):
    stderr = _fails_with('tools/train.py', DET_DISTILL, '--data-root',
                         toy_coco, '--cfg-options',
                         'model.teacher_ckpt=missing/teacher.pth')
    assert "model.teacher_ckpt='missing/teacher.pth' does not exist" in stderr


def test_missing_checkpoint_of_one_of_several_teachers_names_it(
        toy_cityscapes, tmp_path):
    config = ('configs/camkd/camkd_logits_pspnet-r18-w32+w16-d8_'
              'pspnet-r18-w16-d8_toy-cityscapes.py')
    present = tmp_path / 'w32.pth'
    present.touch()
    stderr = _fails_with('tools/train.py', config, '--data-root',
                         toy_cityscapes, '--cfg-options',
                         f'model.teachers.pspnet_w32.ckpt={present}',
                         'model.teachers.pspnet_w16.ckpt=missing/t.pth')
    assert "model.teachers.pspnet_w16.ckpt='missing/t.pth' does" in stderr


def test_missing_test_checkpoint_is_named(toy_coco):
    stderr = _fails_with('tools/test.py', DET_STUDENT, 'missing.pth',
                         '--data-root', toy_coco)
    assert "checkpoint 'missing.pth' does not exist (working directory:" \
        in stderr


def test_converter_refuses_a_plain_checkpoint(tmp_path):
    import torch
    plain = tmp_path / 'plain.pth'
    torch.save(dict(state_dict={'backbone.w': torch.ones(1)}), plain)
    stderr = _fails_with(
        'tools/model_converters/convert_kd_ckpt_to_student.py', str(plain),
        str(tmp_path / 'out.pth'))
    assert "no 'architecture.' keys" in stderr
    assert not (tmp_path / 'out.pth').exists()
