# FRSKD on toy FCOS R18-w16 (CPU): a BiFPN self-teacher over the five
# 64-channel FPN levels feeds a copy of the FCOS head; soft labels
# (per-class sigmoid KL, T=1, alpha 1) and attention transfer (beta 50) are
# held at 0 for 200 of the 300 iterations, then ramped up over the last 100
# (the original segmentation schedule's 40 + 20 of 60 epochs).
_base_ = '../toy_models/fcos_r18-w16_fpn_toy-coco.py'
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FRSKDDistill',
    data_preprocessor=None,  # the network's, not a base's top-level one
    architecture=dict(
        cfg_path='{{fileDirname}}/../toy_models/fcos_r18-w16_fpn_toy-coco.py',  # noqa: E501
        pretrained=False),
    self_teacher=dict(
        type='BiFPNSelfTeacher', in_channels=[64] * 5, width=64),
    soft_label_loss=dict(
        type='DenseKLDivergence', tau=1.0, sigmoid=True, loss_weight=1.0),
    feature_loss=dict(type='ATLoss', loss_weight=50.0),
    warmup_iters=200,
    ramp_iters=100)
