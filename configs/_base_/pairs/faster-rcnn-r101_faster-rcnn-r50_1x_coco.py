# Faster R-CNN R101 (39.4 AP) -> Faster R-CNN R50 (37.4 AP) on COCO 2017,
# 12 epochs. 8 GPUs x 2 img = 16 img/iter, SGD lr 0.02 as mmdet's 1x.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py'
]
student_cfg = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
teacher_cfg = 'mmdet::faster_rcnn/faster-rcnn_r101_fpn_1x_coco.py'
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_1x_coco/faster_rcnn_r101_fpn_1x_coco_20200130-f513f705.pth'  # noqa: E501
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
