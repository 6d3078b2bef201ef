# DML (Zhang et al., CVPR 2018): two PSPNet R18-w16-D8 peers from scratch,
# each trained on its task loss plus KL(p_other || p_self) per pixel (T=1,
# weight 1), the other's prediction detached. Toy Cityscapes (CPU).
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/online_seg_logits.py'
]
peer = dict(model=dict(cfg_path={{_base_.student_cfg}}, pretrained=False))
model = dict(
    peers=dict(peer1=peer, peer2=peer),
    distill_losses=dict(loss_kl=dict(type='DenseKLDivergence', tau=1.0)),
    loss_forward_mappings=dict(
        loss_kl=dict(preds_S={{_base_.logits_S}},
                     preds_T={{_base_.logits_T}})))
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
