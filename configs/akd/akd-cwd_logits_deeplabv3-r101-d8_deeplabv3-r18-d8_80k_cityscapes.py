# AKD-CWD on logits, DeepLabV3 R101-D8 -> R18-D8 on Cityscapes. Twin:
# configs/cwd/cwd_logits_deeplabv3-r101-d8_deeplabv3-r18-d8_80k_cityscapes.py.
_base_ = [
    '../_base_/pairs/deeplabv3-r101-d8_deeplabv3-r18-d8_80k_cityscapes.py',
    './_base_/akd-cwd_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
