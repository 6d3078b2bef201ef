# DKD (Zhao et al., CVPR 2022) on the decode head logits, toy PSPNet
# R18-w32 -> R18-w16 (the distiller: ./_base_/dkd_seg-logits.py).
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    './_base_/dkd_seg-logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
