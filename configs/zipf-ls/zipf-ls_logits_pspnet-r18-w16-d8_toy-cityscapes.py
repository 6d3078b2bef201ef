# Zipf label smoothing (Liang et al., ECCV 2022), ZipfLSLoss: non-target
# soft labels from the student's own ranked prediction (weight 0.1, power 1:
# the official ImageNet setting).
# On the decode head logits, toy PSPNet R18-w16, no teacher.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/seg_logits_self.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    distiller=dict(
        distill_losses=dict(
            loss_zipf_ls=dict(type='ZipfLSLoss', loss_weight=0.1)),
        loss_forward_mappings=dict(
            loss_zipf_ls=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                gt_labels={{_base_.gt_labels}}))))
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
