# FRSKD on FCOS R50-caffe (GN head, multi-scale 640-800), COCO 2017, 2x.
# The distillation is held at 0 for 16 of the 24 epochs, then ramped up
# over the last 8 (the original segmentation schedule's proportions).
_base_ = [
    '../_base_/pairs/fcos-r101_fcos-r50_2x_coco.py', './_base_/frskd_fpn.py'
]
iters_per_epoch = 7393  # 118287 img / (8 GPUs x 2 img)
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    self_teacher=dict(norm_cfg=dict(type='GN', num_groups=32)),
    warmup_iters=16 * iters_per_epoch,
    ramp_iters=8 * iters_per_epoch)
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
