# FRSKD on toy FCOS R18-w16 (CPU, 64-channel FPN). The distillation is held
# at 0 for 200 of the 300 iterations, then ramped up over the last 100 (the
# original segmentation schedule's 40 + 20 of 60 epochs).
_base_ = [
    '../_base_/pairs/fcos-r18-w32_fcos-r18-w16_toy-coco.py',
    './_base_/frskd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    self_teacher=dict(in_channels=[64] * 5, width=64),
    warmup_iters=200,
    ramp_iters=100)
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
