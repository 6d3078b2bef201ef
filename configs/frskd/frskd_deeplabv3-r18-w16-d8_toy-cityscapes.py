# FRSKD on toy DeepLabV3 R18-w16-D8 (CPU): a BiFPN self-teacher over the
# four backbone stages (16, 32, 64, 128 channels) feeds a copy of the ASPP
# decode head; pixel KL (T=1, alpha 1) and attention transfer (beta 50), as
# the original segmentation code, held at 0 for 200 of the 300 iterations,
# then ramped up over the last 100 (its 40 + 20 of 60 epochs).
_base_ = '../toy_models/deeplabv3_r18-w16-d8_toy-cityscapes.py'
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FRSKDDistill',
    data_preprocessor=None,  # the network's, not a base's top-level one
    architecture=dict(
        cfg_path='{{fileDirname}}/../toy_models/deeplabv3_r18-w16-d8_toy-cityscapes.py',  # noqa: E501
        pretrained=False),
    self_teacher=dict(
        type='BiFPNSelfTeacher', in_channels=[16, 32, 64, 128], width=64,
        out_channels=[None, None, None, 128]),  # the head reads stage 4
    soft_label_loss=dict(type='DenseKLDivergence', tau=1.0, loss_weight=1.0),
    feature_loss=dict(type='ATLoss', loss_weight=50.0),
    warmup_iters=200,
    ramp_iters=100)
