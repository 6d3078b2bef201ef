# FRSKD on DeepLabV3 R18-D8 (76.7 mIoU), Cityscapes 512x1024, 80k
# iterations: 4 GPUs x 2 img = 8 img/iter, as mmseg's DeepLabV3 80k.
# A BiFPN self-teacher (width 128, SyncBN) over the four backbone stages
# (64, 128, 256, 512 channels) feeds a copy of the ASPP decode head; pixel
# KL (T=1, alpha 1) and attention transfer (beta 50), as the original
# segmentation code, held at 0 for 2/3 of the schedule, then ramped up.
_base_ = 'mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py'
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FRSKDDistill',
    data_preprocessor=None,  # the network's, not a base's top-level one
    architecture=dict(
        cfg_path='mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py',  # noqa: E501
        pretrained=False),
    self_teacher=dict(
        type='BiFPNSelfTeacher', in_channels=[64, 128, 256, 512], width=128,
        out_channels=[None, None, None, 512],  # the head reads stage 4
        norm_cfg=dict(type='SyncBN')),
    soft_label_loss=dict(type='DenseKLDivergence', tau=1.0, loss_weight=1.0),
    feature_loss=dict(type='ATLoss', loss_weight=50.0),
    warmup_iters=80000 * 2 // 3,
    ramp_iters=80000 // 3)
