# SwitOKD (Qian et al., ECCV 2022): a RetinaNet R18-w32 teacher and an
# R18-w16 student, both from scratch, learn from each other (KL of the
# per-class sigmoids on every anchor, T=1, weight 1) until the gap between
# their predictions on the positive anchors passes SwitOKD's adaptive
# threshold; then the teacher pauses (expert mode) while the student catches
# up. Mode, gap and threshold are logged every iteration.
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
        loss_kl=dict(type='DenseKLDivergence', tau=1.0, sigmoid=True)),
    loss_forward_mappings=dict(
        loss_kl=dict(preds_S={{_base_.logits_S}},
                     preds_T={{_base_.logits_T}},
                     labels={{_base_.gt_labels}})),
    switch=dict(
        policy='switokd', teacher='teacher', student='student',
        logits=dict(recorder='head', data_idx=0),
        gt_labels=dict(recorder='gt_labels'), sigmoid=True, num_classes=80),
    eval_peer='student')
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
# SwitOKD's mode, gap and threshold on every line of the log (the toy runs'
# default logs every 20 iterations, averaging them)
default_hooks = dict(logger=dict(interval=1))
