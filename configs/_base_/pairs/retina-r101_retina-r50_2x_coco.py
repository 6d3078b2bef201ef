# RetinaNet R101 2x (38.9 AP) -> RetinaNet R50 2x (37.4 AP) on COCO 2017, 24
# epochs: CrossKD's and FreeKD's RetinaNet pair. 8 GPUs x 2 img = 16
# img/iter, SGD lr 0.01 as mmdet's RetinaNet 2x.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_2x.py',
    'mmdet::_base_/default_runtime.py'
]
student_cfg = 'mmdet::retinanet/retinanet_r50_fpn_2x_coco.py'
teacher_cfg = 'mmdet::retinanet/retinanet_r101_fpn_2x_coco.py'
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r101_fpn_2x_coco/retinanet_r101_fpn_2x_coco_20200131-5560aee8.pth'  # noqa: E501
optim_wrapper = dict(optimizer=dict(lr=0.01))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
