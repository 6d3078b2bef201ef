# BD-KD online (Amara et al., 2022), the setting its paper studies: a
# RetinaNet R18-w32 teacher and an R18-w16 student, both from scratch, train
# together, each learning from the other with BDKDLoss on every anchor's
# classification logits (num_classes=80 splits anchors x classes).
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/online_det_logits.py'
]
model = dict(
    peers=dict(
        student=dict(
            model=dict(cfg_path={{_base_.student_cfg}}, pretrained=False)),
        teacher=dict(
            model=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False))),
    distill_losses=dict(
        loss_bdkd=dict(type='BDKDLoss', tau=1.0, num_classes=80)),
    loss_forward_mappings=dict(
        loss_bdkd=dict(preds_S={{_base_.logits_S}},
                       preds_T={{_base_.logits_T}},
                       labels={{_base_.gt_labels}})),
    eval_peer='student')
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
