# The user's larger segmentor, the teacher: base width 32.
_base_ = './lite-pspnet_r18-w16-d8_cityscapes.py'
model = dict(
    backbone=dict(stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=[64, 128, 256], channels=64),
    auxiliary_head=dict(in_channels=128, channels=32))
