# AKD-PKD on FPN levels 0-3, FCOS X101 -> RetinaNet R50 on COCO.
# PKD twin: configs/pkd/pkd_fpn_fcos-x101_retina-r50_1x_coco.py.
_base_ = [
    '../_base_/pairs/fcos-x101_retina-r50_1x_coco.py',
    './_base_/akd-pkd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(distill_losses={
        f'loss_pkd_fpn{level}': dict(base_loss=dict(loss_weight=10))
        for level in range(4)
    }))
