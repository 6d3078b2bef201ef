# The user's larger detector, the teacher: base width 32, a 64-channel
# LiteFPN, four head convs.
_base_ = './lite-retinanet_r18-w16_coco.py'
model = dict(
    backbone=dict(base_channels=32),
    neck=dict(in_channels=[64, 128, 256], out_channels=64),
    bbox_head=dict(in_channels=64, feat_channels=64, stacked_convs=4))
