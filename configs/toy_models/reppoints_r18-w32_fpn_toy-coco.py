# The toy RepPoints teacher: ResNet-18 of base width 32, three head convs.
_base_ = './reppoints_r18-w16_fpn_toy-coco.py'
model = dict(
    backbone=dict(base_channels=32),
    neck=dict(in_channels=[32, 64, 128, 256]),
    bbox_head=dict(stacked_convs=3))
