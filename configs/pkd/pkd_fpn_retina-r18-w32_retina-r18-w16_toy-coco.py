# PKD on FPN levels 0-3, toy RetinaNet R18-w32 -> R18-w16, weight 10 as on
# COCO for one-stage students (not tuned on the toy set).
# AKD twin: configs/akd/akd-pkd_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/pkd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(distill_losses={
        f'loss_pkd_fpn{level}': dict(loss_weight=10)
        for level in range(4)
    }))
