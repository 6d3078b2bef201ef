# RepPoints X101-DCN (44.2 AP) -> RepPoints R50 (38.6 AP, moment, GN) on
# COCO 2017, 24 epochs. 8 GPUs x 2 img = 16 img/iter, SGD lr 0.01 as
# mmdet's RepPoints.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_2x.py',
    'mmdet::_base_/default_runtime.py'
]
student_cfg = 'mmdet::reppoints/reppoints-moment_r50_fpn-gn_head-gn_2x_coco.py'
teacher_cfg = 'mmdet::reppoints/reppoints-moment_x101-dconv-c3-c5_fpn-gn_head-gn_2x_coco.py'  # noqa: E501
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/reppoints/reppoints_moment_x101_fpn_dconv_c3-c5_gn-neck%2Bhead_2x_coco/reppoints_moment_x101_fpn_dconv_c3-c5_gn-neck%2Bhead_2x_coco_20200329-f87da1ea.pth'  # noqa: E501
optim_wrapper = dict(optimizer=dict(lr=0.01))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
