# BD-KD online (Amara et al., 2022), the setting its paper studies: a PSPNet
# R18-w32-D8 teacher and an R18-w16-D8 student, both from scratch, train
# together, each learning from the other with BDKDLoss per pixel (forward and
# reverse KL weighted by the entropy gap).
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
    distill_losses=dict(loss_bdkd=dict(type='BDKDLoss', tau=1.0)),
    loss_forward_mappings=dict(
        loss_bdkd=dict(preds_S={{_base_.logits_S}},
                       preds_T={{_base_.logits_T}})),
    eval_peer='student')
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
