# Teacher-free NKD (USKD, Yang et al., ICCV 2023), TFNKDLoss: soft target and
# Zipf non-target labels from the student's own detached prediction.
# On the RetinaNet classification logits, toy RetinaNet R18-w16, no teacher.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/det_logits_self.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    distiller=dict(
        distill_losses=dict(
            loss_tf_nkd=dict(type='TFNKDLoss', num_classes=80)),
        loss_forward_mappings=dict(
            loss_tf_nkd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                gt_labels={{_base_.gt_labels}}))))
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
