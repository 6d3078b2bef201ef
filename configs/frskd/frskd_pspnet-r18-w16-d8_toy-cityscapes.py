# FRSKD on toy PSPNet R18-w16-D8 (CPU; stages of 16, 32, 64, 128 channels).
# The distillation is held at 0 for 200 of the 300 iterations, then ramped
# up over the last 100 (the original's 40 + 20 of 60 epochs).
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    './_base_/frskd_backbone.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    self_teacher=dict(
        in_channels=[16, 32, 64, 128], width=64,
        out_channels=[None, None, None, 128]),
    warmup_iters=200,
    ramp_iters=100)
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
