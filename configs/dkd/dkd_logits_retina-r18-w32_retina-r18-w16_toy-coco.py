# DKD (Zhao et al., CVPR 2022), DenseDKDLoss: target and non-target KD per
# pixel/positive anchor (tau 1, alpha 0.5, beta 0.5: the ImageNet setting).
# On the RetinaNet classification logits, toy RetinaNet R18-w32 -> R18-w16.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/det_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(
            loss_dkd=dict(
                type='DenseDKDLoss', tau=1.0, alpha=0.5, beta=0.5,
                num_classes=80)),
        loss_forward_mappings=dict(
            loss_dkd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                gt_labels={{_base_.gt_labels}}))))
