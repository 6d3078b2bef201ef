# FreeKD stage 1: frequency prompts on the frozen RetinaNet R101 2x (COCO)
# teacher. Then: configs/freekd/freekd_fpn_retina-r101_retina-r50_2x_coco.py.
_base_ = [
    '../_base_/pairs/retina-r101_retina-r50_2x_coco.py',
    './_base_/freekd-prompts_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
train_cfg = {{_base_.tokens_train_cfg}}
val_cfg = {{_base_.tokens_val_cfg}}
optim_wrapper = {{_base_.tokens_optim_wrapper}}
param_scheduler = {{_base_.tokens_param_scheduler}}
default_hooks = {{_base_.tokens_hooks}}
