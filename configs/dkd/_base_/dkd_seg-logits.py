# DKD (Zhao et al., CVPR 2022), DenseDKDLoss on a segmentor's decode-head
# logits, per labelled pixel (tau 1, alpha 0.5, beta 0.5: the ImageNet
# setting). The leaf config adds data, schedule, runtime, student, teacher
# and teacher_ckpt.
_base_ = '../../_base_/distill/seg_logits.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_dkd=dict(type='DenseDKDLoss', tau=1.0, alpha=0.5, beta=0.5)),
        loss_forward_mappings=dict(
            loss_dkd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                gt_labels={{_base_.gt_labels}}))))
