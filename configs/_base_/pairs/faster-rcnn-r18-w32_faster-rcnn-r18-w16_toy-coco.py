# Toy Faster R-CNN R18-w32 -> R18-w16 on the generated toy COCO set (CPU). The
# teacher comes from `python tools/train.py
# configs/toy_models/faster-rcnn_r18-w32_fpn_toy-coco.py`.
_base_ = [
    '../datasets/toy_coco_detection.py', '../schedules/toy_schedule.py',
    '../toy_det_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/faster-rcnn_r18-w16_fpn_toy-coco.py'  # noqa: E501
teacher_cfg = '{{fileDirname}}/../../toy_models/faster-rcnn_r18-w32_fpn_toy-coco.py'  # noqa: E501
teacher_ckpt = 'work_dirs/faster-rcnn_r18-w32_fpn_toy-coco/iter_300.pth'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
