# SwitOKD (Qian et al., ECCV 2022): a PSPNet R18-w32-D8 teacher and an
# R18-w16-D8 student, both from scratch, learn from each other (KL per pixel,
# T=1, weight 1) until the gap between their predictions passes SwitOKD's
# adaptive threshold; then the teacher pauses (expert mode) while the student
# catches up. Mode, gap and threshold are logged every iteration.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/online_seg_logits.py'
]
model = dict(
    peers=dict(
        student=dict(
            model=dict(cfg_path={{_base_.student_cfg}}, pretrained=False)),
        teacher=dict(
            model=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False))),
    distill_losses=dict(loss_kl=dict(type='DenseKLDivergence', tau=1.0)),
    loss_forward_mappings=dict(
        loss_kl=dict(preds_S={{_base_.logits_S}},
                     preds_T={{_base_.logits_T}})),
    switch=dict(
        policy='switokd', teacher='teacher', student='student',
        logits=dict(recorder='logits'), gt_labels=dict(recorder='gt_labels')),
    eval_peer='student')
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
# SwitOKD's mode, gap and threshold on every line of the log (the toy runs'
# default logs every 20 iterations, averaging them)
default_hooks = dict(logger=dict(interval=1))
