# Toy RetinaNet R18-w16 -> R18-w8 on the generated toy COCO set (CPU): the
# second step of the TAKD chain, whose teacher is the first step's distilled
# student (`python tools/takd_chain.py` writes it to teacher_ckpt's path).
_base_ = [
    '../datasets/toy_coco_detection.py', '../schedules/toy_schedule.py',
    '../toy_det_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/retinanet_r18-w8_fpn_toy-coco.py'  # noqa: E501
teacher_cfg = '{{fileDirname}}/../../toy_models/retinanet_r18-w16_fpn_toy-coco.py'  # noqa: E501
teacher_ckpt = 'work_dirs/takd_det/step1/student.pth'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
