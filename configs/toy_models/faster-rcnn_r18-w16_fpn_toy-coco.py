# Faster R-CNN with a ResNet-18 of base width 16 and an FPN of 64 channels:
# the toy two-stage student, trained from scratch on CPU.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/datasets/toy_coco_detection.py',
    '../_base_/schedules/toy_schedule.py', '../_base_/toy_det_runtime.py'
]
model = dict(
    backbone=dict(
        depth=18, base_channels=16, frozen_stages=-1, norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256)))
