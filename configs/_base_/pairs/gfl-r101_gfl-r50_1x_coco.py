# GFL R101 ms-2x (44.7 AP) -> GFL R50 1x (40.2 AP) on COCO 2017, 12 epochs:
# the teacher and student of mmdet's LD config (ld_r50-gflv1-r101_fpn_1x)
# and of the CrossKD and BCKD papers. 8 GPUs x 2 img = 16 img/iter, SGD lr
# 0.01 as mmdet's GFL 1x.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py'
]
student_cfg = 'mmdet::gfl/gfl_r50_fpn_1x_coco.py'
teacher_cfg = 'mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py'
teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/gfl/gfl_r101_fpn_mstrain_2x_coco/gfl_r101_fpn_mstrain_2x_coco_20200629_200126-dd12f847.pth'  # noqa: E501
optim_wrapper = dict(optimizer=dict(lr=0.01))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
