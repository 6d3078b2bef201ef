# DKD (Zhao et al., CVPR 2022), DenseDKDLoss: target and non-target KD per
# pixel/positive anchor (tau 1, alpha 0.5, beta 0.5: the ImageNet setting).
# On the decode head logits, toy PSPNet R18-w32 -> R18-w16.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/seg_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(
            loss_dkd=dict(type='DenseDKDLoss', tau=1.0, alpha=0.5, beta=0.5)),
        loss_forward_mappings=dict(
            loss_dkd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                gt_labels={{_base_.gt_labels}}))))
