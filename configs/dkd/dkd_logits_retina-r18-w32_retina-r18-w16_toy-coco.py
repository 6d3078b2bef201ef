# DKD (Zhao et al., CVPR 2022) on the RetinaNet classification logits, toy
# RetinaNet R18-w32 -> R18-w16 (the distiller: ./_base_/dkd_det-logits.py).
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/dkd_det-logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
