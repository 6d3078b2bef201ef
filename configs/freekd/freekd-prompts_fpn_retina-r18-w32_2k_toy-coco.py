# FreeKD stage 1: frequency prompts on the frozen toy RetinaNet R18-w32
# teacher. Then:
#   configs/freekd/freekd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/freekd-prompts_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    channels=[64] * 5)  # the toy FPNs have 64 channels
train_cfg = {{_base_.tokens_train_cfg}}
val_cfg = {{_base_.tokens_val_cfg}}
optim_wrapper = {{_base_.tokens_optim_wrapper}}
param_scheduler = {{_base_.tokens_param_scheduler}}
default_hooks = {{_base_.tokens_hooks}}
