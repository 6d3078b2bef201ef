# DML (Zhang et al., CVPR 2018): two RetinaNet R18-w16 peers from scratch,
# each trained on its task loss plus the KL from the other's per-class
# sigmoids on every anchor of the 5 FPN levels (T=1, weight 1), the other's
# logits detached. Toy COCO (CPU).
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/online_det_logits.py'
]
peer = dict(model=dict(cfg_path={{_base_.student_cfg}}, pretrained=False))
model = dict(
    peers=dict(peer1=peer, peer2=peer),
    distill_losses=dict(
        loss_kl=dict(type='DenseKLDivergence', tau=1.0, sigmoid=True)),
    loss_forward_mappings=dict(
        loss_kl=dict(preds_S={{_base_.logits_S}},
                     preds_T={{_base_.logits_T}},
                     labels={{_base_.gt_labels}})))
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
