# The user's segmentor: a dilated ResNet-18-V1c of base width 16 and the
# user's own LiteFuseHead over stages 2-4, on Cityscapes with mmseg's 80k
# schedule.
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py',
    'mmseg::_base_/schedules/schedule_80k.py',
    'mmseg::_base_/default_runtime.py'
]
custom_imports = dict(imports=['my_project'], allow_failed_imports=False)
data_preprocessor = dict(size={{_base_.crop_size}})
model = dict(
    pretrained=None,
    data_preprocessor=data_preprocessor,
    backbone=dict(depth=18, stem_channels=16, base_channels=16),
    decode_head=dict(_delete_=True, type='LiteFuseHead',
                     in_channels=[32, 64, 128], in_index=[1, 2, 3],
                     channels=32, num_classes=19, align_corners=False,
                     norm_cfg=dict(type='SyncBN', requires_grad=True)),
    auxiliary_head=dict(in_channels=64, channels=16))
