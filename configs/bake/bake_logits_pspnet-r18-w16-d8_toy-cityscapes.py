# BAKE (Ge et al., 2021), BAKELoss: each pixel's soft target ensembles the
# predictions of 1024 pixels drawn from the whole batch, weighted by the
# affinity of their decode-head features (the classifier conv's input); tau 4,
# omega 0.5, weight 1 (the paper's). Toy PSPNet R18-w16-D8, no teacher.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/seg_logits_self.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    distiller=dict(
        student_recorders=dict(
            feats=dict(type='ModuleInputs', source='decode_head.conv_seg')),
        distill_losses=dict(loss_bake=dict(type='BAKELoss', tau=4.0)),
        loss_forward_mappings=dict(
            loss_bake=dict(
                preds_S={{_base_.logits_S}},
                feats=dict(from_student=True, recorder='feats', data_idx=0),
                gt_labels={{_base_.gt_labels}}))))
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
