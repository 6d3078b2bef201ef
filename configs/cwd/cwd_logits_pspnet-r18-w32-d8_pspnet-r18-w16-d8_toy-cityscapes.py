# CWD on logits between the toy PSPNets on the generated toy Cityscapes set
# (CPU). The teacher comes from
#   python tools/train.py configs/toy_models/pspnet_r18-w32-d8_toy-cityscapes.py
# (`make demo` trains it into work_dirs/demo/).
_base_ = [
    '../_base_/datasets/toy_cityscapes.py',
    '../_base_/schedules/toy_schedule.py', '../_base_/toy_seg_runtime.py',
    './_base_/cwd_logits_pspnet.py'
]
model = dict(
    architecture=dict(
        cfg_path='{{fileDirname}}/../toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'),  # noqa: E501
    teacher=dict(
        cfg_path='{{fileDirname}}/../toy_models/pspnet_r18-w32-d8_toy-cityscapes.py'),  # noqa: E501
    teacher_ckpt='work_dirs/demo/pspnet_r18-w32-d8_toy-cityscapes/teacher.pth')
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
