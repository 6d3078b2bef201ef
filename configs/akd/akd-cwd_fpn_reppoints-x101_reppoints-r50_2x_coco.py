# AKD-CWD on FPN at the original AKD-CWD RepPoints weight 7.5 per level,
# RepPoints X101 -> R50 on COCO. Twin:
# configs/cwd/cwd_fpn_reppoints-x101_reppoints-r50_2x_coco.py.
_base_ = [
    '../_base_/pairs/reppoints-x101_reppoints-r50_2x_coco.py',
    './_base_/akd-cwd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(
            loss_akd=dict(base_loss=dict(loss_weight=7.5)))))
