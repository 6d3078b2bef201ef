# Toy PSPNet R18-w16 -> R18-w8 on the generated toy Cityscapes set (CPU): the
# second step of the TAKD chain, whose teacher is the first step's distilled
# student (`python tools/takd_chain.py` writes it to teacher_ckpt's path).
_base_ = [
    '../datasets/toy_cityscapes.py', '../schedules/toy_schedule.py',
    '../toy_seg_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/pspnet_r18-w8-d8_toy-cityscapes.py'  # noqa: E501
teacher_cfg = '{{fileDirname}}/../../toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'  # noqa: E501
teacher_ckpt = 'work_dirs/takd_seg/step1/student.pth'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
