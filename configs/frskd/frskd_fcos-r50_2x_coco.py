# FRSKD on FCOS R50-caffe (GN head, multi-scale 640-800), COCO 2017, 2x:
# 8 GPUs x 2 img = 16 img/iter; 118287 img / 16 = 7393 iter/epoch.
# A BiFPN self-teacher (width 256, GN) over the five FPN levels feeds a copy
# of the FCOS head; soft labels (per-class sigmoid KL, T=1, alpha 1) and
# attention transfer (beta 50) are held at 0 for 16 of the 24 epochs, then
# ramped up over the last 8 (the original segmentation schedule's
# proportions, 40 + 20 of 60 epochs).
_base_ = 'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_ms-640-800-2x_coco.py'
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
iters_per_epoch = 7393
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='FRSKDDistill',
    data_preprocessor=None,  # the network's, not a base's top-level one
    architecture=dict(
        cfg_path='mmdet::fcos/fcos_r50-caffe_fpn_gn-head_ms-640-800-2x_coco.py',  # noqa: E501
        pretrained=False),
    self_teacher=dict(
        type='BiFPNSelfTeacher', in_channels=[256] * 5, width=256,
        norm_cfg=dict(type='GN', num_groups=32)),
    soft_label_loss=dict(
        type='DenseKLDivergence', tau=1.0, sigmoid=True, loss_weight=1.0),
    feature_loss=dict(type='ATLoss', loss_weight=50.0),
    warmup_iters=16 * iters_per_epoch,
    ramp_iters=8 * iters_per_epoch)
