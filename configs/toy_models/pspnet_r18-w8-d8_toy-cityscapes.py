# PSPNet with a dilated ResNet-18-V1c of base width 8 (1/8 of the standard):
# the smallest toy student, at the end of a teacher-assistant chain (TAKD).
_base_ = './pspnet_r18-w16-d8_toy-cityscapes.py'
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(in_channels=64, channels=16),
    auxiliary_head=dict(in_channels=32, channels=8))
