# DeepLabV3 with a dilated ResNet-18-V1c of base width 16: the toy student,
# trained from scratch on CPU.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    '../_base_/datasets/toy_cityscapes.py',
    '../_base_/schedules/toy_schedule.py', '../_base_/toy_seg_runtime.py'
]
model = dict(
    pretrained=None,
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(depth=18, stem_channels=16, base_channels=16),
    decode_head=dict(in_channels=128, channels=32),
    auxiliary_head=dict(in_channels=64, channels=16))
