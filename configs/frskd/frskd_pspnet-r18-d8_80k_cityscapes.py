# FRSKD on PSPNet R18-D8 (74.87 mIoU), Cityscapes 512x1024, 80k iterations.
# The distillation is held at 0 for 2/3 of the schedule, then ramped up
# (the original segmentation schedule's 40 + 20 of 60 epochs).
_base_ = [
    '../_base_/pairs/pspnet-r101-d8_pspnet-r18-d8_80k_cityscapes.py',
    './_base_/frskd_backbone.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    self_teacher=dict(norm_cfg=dict(type='SyncBN')),
    warmup_iters=80000 * 2 // 3,
    ramp_iters=80000 // 3)
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
