# GFL with a ResNet-18 of base width 32 and four head convs: the toy teacher
# of the GFL distillations (LD), trained from scratch on CPU.
_base_ = './gfl_r18-w16_fpn_toy-coco.py'
model = dict(
    backbone=dict(base_channels=32),
    neck=dict(in_channels=[32, 64, 128, 256]),
    bbox_head=dict(stacked_convs=4))
