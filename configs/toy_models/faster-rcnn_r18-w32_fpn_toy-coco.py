# The toy Faster R-CNN teacher: ResNet-18 of base width 32.
_base_ = './faster-rcnn_r18-w16_fpn_toy-coco.py'
model = dict(
    backbone=dict(base_channels=32),
    neck=dict(in_channels=[32, 64, 128, 256]))
