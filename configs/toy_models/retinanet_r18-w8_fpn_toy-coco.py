# RetinaNet with a ResNet-18 of base width 8 (1/8 of the standard), FPN of 32
# channels: the smallest toy student, at the end of a teacher-assistant chain
# (TAKD).
_base_ = './retinanet_r18-w16_fpn_toy-coco.py'
model = dict(
    backbone=dict(base_channels=8),
    neck=dict(in_channels=[8, 16, 32, 64], out_channels=32),
    bbox_head=dict(in_channels=32, feat_channels=32))
