# FRSKD on RetinaNet R50 (36.5 AP), COCO 2017, mmdet's 1x schedule:
# 8 GPUs x 2 img = 16 img/iter; 118287 img / 16 = 7393 iter/epoch.
# A BiFPN self-teacher (width 256, GN) over the five FPN levels feeds a copy
# of the RetinaNet head; soft labels (per-class sigmoid KL, T=1, alpha 1)
# and attention transfer (beta 50) are held at 0 for 8 of the 12 epochs,
# then ramped up over the last 4 (the original segmentation schedule's
# 40 + 20 of 60 epochs).
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
iters_per_epoch = 7393
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FRSKDDistill',
    data_preprocessor=None,  # the network's, not a base's top-level one
    architecture=dict(
        cfg_path='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
        pretrained=False),
    self_teacher=dict(
        type='BiFPNSelfTeacher', in_channels=[256] * 5, width=256,
        norm_cfg=dict(type='GN', num_groups=32)),
    soft_label_loss=dict(
        type='DenseKLDivergence', tau=1.0, sigmoid=True, loss_weight=1.0),
    feature_loss=dict(type='ATLoss', loss_weight=50.0),
    warmup_iters=8 * iters_per_epoch,
    ramp_iters=4 * iters_per_epoch)
