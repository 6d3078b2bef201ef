# FRSKD on RetinaNet R50 (36.5 AP), COCO 2017, mmdet's 1x schedule. The
# distillation is held at 0 for 8 of the 12 epochs, then ramped up over the
# last 4 (the original segmentation schedule's 40 + 20 of 60 epochs).
_base_ = [
    '../_base_/pairs/retina-r101_retina-r50_1x_coco.py',
    './_base_/frskd_fpn.py'
]
iters_per_epoch = 7393  # 118287 img / (8 GPUs x 2 img)
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    self_teacher=dict(norm_cfg=dict(type='GN', num_groups=32)),
    warmup_iters=8 * iters_per_epoch,
    ramp_iters=4 * iters_per_epoch)
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
