# Toy PSPNet R18-w32 -> R18-w16 on the generated toy Cityscapes set (CPU). The
# teacher comes from `python tools/train.py
# configs/toy_models/pspnet_r18-w32-d8_toy-cityscapes.py` (`make demo` trains
# it into work_dirs/demo/).
_base_ = [
    '../datasets/toy_cityscapes.py', '../schedules/toy_schedule.py',
    '../toy_seg_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'  # noqa: E501
teacher_cfg = '{{fileDirname}}/../../toy_models/pspnet_r18-w32-d8_toy-cityscapes.py'  # noqa: E501
teacher_ckpt = 'work_dirs/demo/pspnet_r18-w32-d8_toy-cityscapes/final.pth'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
