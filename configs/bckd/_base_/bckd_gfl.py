# BCKD (Yang et al., ICCV 2023) on GFL heads: the student's class scores
# distilled as binary targets (each class the teacher's sigmoid, the BCE
# modulated by the score gap, weight 1) and its boxes by 1 - GIoU with the
# teacher's, weighted by the largest class-score gap (weight 4), both over
# every prior and normalised by the student's positives. The teacher runs
# its head (no losses). The leaf adds data, schedule, runtime, student,
# teacher and teacher_ckpt.
_base_ = '../../_base_/distill/det_logits.py'
model = dict(
    teacher_forward='tensor',
    distiller=dict(
        student_recorders=dict(
            gt_labels=dict(source='mmdet.models.dense_heads.gfl_head.'
                           'GFLHead.get_targets')),
        distill_losses=dict(
            loss_bckd_cls=dict(
                type='QualityFocalKDLoss', beta=1.0, loss_weight=1.0),
            loss_bckd_iou=dict(type='BoxIoUKDLoss', loss_weight=4.0)),
        loss_forward_mappings=dict(
            loss_bckd_cls=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                labels={{_base_.gt_labels}}),
            loss_bckd_iou=dict(
                preds_S=dict(from_student=True, recorder='head', data_idx=1),
                preds_T=dict(from_student=False, recorder='head', data_idx=1),
                cls_score_S={{_base_.logits_S}},
                cls_score_T={{_base_.logits_T}},
                labels={{_base_.gt_labels}}))))
