# BD-KD (Amara et al., 2022), BDKDLoss: forward and reverse KL per
# pixel/anchor, weighted by the entropy gap.
# On the RetinaNet classification logits, toy RetinaNet R18-w32 -> R18-w16:
# every anchor the head trains on (the student's labels leave out those
# without label weight: ignored by the assigner, or in the batch padding).
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
            loss_bdkd=dict(type='BDKDLoss', tau=1.0, num_classes=80)),
        loss_forward_mappings=dict(
            loss_bdkd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                labels={{_base_.gt_labels}}))))
