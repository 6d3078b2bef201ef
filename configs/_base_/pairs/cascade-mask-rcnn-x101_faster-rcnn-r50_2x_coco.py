# Cascade Mask R-CNN X101-64x4d (45.6 box AP) -> Faster R-CNN R50 (38.4 AP)
# on COCO 2017, 24 epochs. FPN distillation runs only the teacher's backbone
# and neck. 8 GPUs x 2 img = 16 img/iter, SGD lr 0.02 as mmdet's 2x.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_2x.py',
    'mmdet::_base_/default_runtime.py'
]
student_cfg = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py'
teacher_cfg = 'mmdet::cascade_rcnn/cascade-mask-rcnn_x101-64x4d_fpn_20e_coco.py'  # noqa: E501
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/cascade_rcnn/cascade_mask_rcnn_x101_64x4d_fpn_20e_coco/cascade_mask_rcnn_x101_64x4d_fpn_20e_coco_20200512_161033-bdb5126a.pth'  # noqa: E501
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
