# The toy DeepLabV3 teacher: dilated ResNet-18-V1c of base width 32.
_base_ = './deeplabv3_r18-w16-d8_toy-cityscapes.py'
model = dict(
    backbone=dict(stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=64),
    auxiliary_head=dict(in_channels=128, channels=32))
