# RetinaNet with a ResNet-50 of base width 16 (1/4 of the standard), FPN of
# 64 channels: the toy teacher, trained from scratch on CPU.
_base_ = './retinanet_r18-w16_fpn_toy-coco.py'
model = dict(
    backbone=dict(depth=50),
    neck=dict(in_channels=[64, 128, 256, 512]),
    bbox_head=dict(stacked_convs=4))
