# Toy RetinaNet R18-w32 -> R18-w16 on the generated toy COCO set (CPU). The
# teacher comes from `python tools/train.py
# configs/toy_models/retinanet_r18-w32_fpn_toy-coco.py` (`make demo` trains it
# into work_dirs/demo/).
_base_ = [
    '../datasets/toy_coco_detection.py', '../schedules/toy_schedule.py',
    '../toy_det_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/retinanet_r18-w16_fpn_toy-coco.py'  # noqa: E501
teacher_cfg = '{{fileDirname}}/../../toy_models/retinanet_r18-w32_fpn_toy-coco.py'  # noqa: E501
teacher_ckpt = 'work_dirs/demo/retinanet_r18-w32_fpn_toy-coco/final.pth'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
