# Zipf label smoothing (Liang et al., ECCV 2022), ZipfLSLoss: non-target
# soft labels from the student's own ranked prediction (weight 0.1, power 1:
# the official ImageNet setting).
# On the RetinaNet classification logits, toy RetinaNet R18-w16, no teacher.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/det_logits_self.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    distiller=dict(
        distill_losses=dict(
            loss_zipf_ls=dict(
                type='ZipfLSLoss', loss_weight=0.1, num_classes=80)),
        loss_forward_mappings=dict(
            loss_zipf_ls=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                gt_labels={{_base_.gt_labels}}))))
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
