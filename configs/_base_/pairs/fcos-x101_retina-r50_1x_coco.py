# FCOS X101-64x4d ms-2x (42.6 AP) -> RetinaNet R50 (36.5 AP) on COCO 2017,
# 12 epochs: PKD's heterogeneous pair. 8 GPUs x 2 img = 16 img/iter, SGD lr
# 0.01 as mmdet's RetinaNet 1x.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py'
]
student_cfg = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'
teacher_cfg = 'mmdet::fcos/fcos_x101-64x4d_fpn_gn-head_ms-640-800-2x_coco.py'
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/fcos/fcos_x101_64x4d_fpn_gn-head_mstrain_640-800_2x_coco/fcos_x101_64x4d_fpn_gn-head_mstrain_640-800_2x_coco-ede514a8.pth'  # noqa: E501
optim_wrapper = dict(optimizer=dict(lr=0.01))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
