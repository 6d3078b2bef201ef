# DKD (Zhao et al., CVPR 2022), DenseDKDLoss on a one-stage detector's
# classification logits, all FPN levels, on the anchors the student's label
# assignment calls positive (tau 1, alpha 0.5, beta 0.5: the ImageNet
# setting). The leaf config adds data, schedule, runtime, student, teacher
# and teacher_ckpt; num_classes is the detector's.
_base_ = '../../_base_/distill/det_logits.py'
model = dict(
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
