# BAKE (Ge et al., 2021), BAKELoss: each position's soft target (the per-class
# sigmoids of its anchors) ensembles those of 1024 positions drawn from all
# FPN levels of the batch, weighted by the affinity of their FPN features;
# tau 4, omega 0.5, weight 1. Positions none of whose anchors has label weight
# (the batch's padding, anchors the assigner ignores) are never drawn. Toy
# RetinaNet R18-w16, no teacher.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/det_logits_self.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    distiller=dict(
        student_recorders=dict(
            fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses=dict(
            loss_bake=dict(
                type='BAKELoss', tau=4.0, sigmoid=True, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_bake=dict(
                preds_S={{_base_.logits_S}},
                feats=dict(from_student=True, recorder='fpn'),
                gt_labels={{_base_.gt_labels}}))))
val_cfg = dict(_delete_=True, type='ValLoop')  # no teacher to evaluate
