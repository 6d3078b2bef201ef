# Toy DeepLabV3 R18-w32 -> R18-w16 on the generated toy Cityscapes set (CPU).
# The teacher comes from `python tools/train.py
# configs/toy_models/deeplabv3_r18-w32-d8_toy-cityscapes.py`.
_base_ = [
    '../datasets/toy_cityscapes.py', '../schedules/toy_schedule.py',
    '../toy_seg_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/deeplabv3_r18-w16-d8_toy-cityscapes.py'  # noqa: E501
teacher_cfg = '{{fileDirname}}/../../toy_models/deeplabv3_r18-w32-d8_toy-cityscapes.py'  # noqa: E501
teacher_ckpt = 'work_dirs/deeplabv3_r18-w32-d8_toy-cityscapes/iter_300.pth'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
