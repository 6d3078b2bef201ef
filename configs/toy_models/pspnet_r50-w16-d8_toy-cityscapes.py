# PSPNet with a dilated ResNet-50-V1c of base width 16 (1/4 of the
# standard): the toy teacher, trained from scratch on CPU.
_base_ = './pspnet_r18-w16-d8_toy-cityscapes.py'
model = dict(
    backbone=dict(depth=50),
    decode_head=dict(in_channels=512, channels=64),
    auxiliary_head=dict(in_channels=256, channels=32))
