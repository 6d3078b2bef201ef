# SOKD (Liu et al., BMVC 2021) on toy PSPNet R18-w32-D8 -> R18-w16-D8: the
# pretrained teacher stays frozen; a branch (the teacher with its stem and
# first three stages frozen, its last stage and heads learning) learns from
# the teacher and the student, and the student learns from the branch only.
# KL per pixel at T=4 (times T^2), weight 1, the terms summed.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/online_seg_logits.py'
]
teacher = dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False)
model = dict(
    peers=dict(
        student=dict(
            model=dict(cfg_path={{_base_.student_cfg}}, pretrained=False)),
        teacher=dict(
            model=teacher, ckpt={{_base_.teacher_ckpt}}, trainable=False),
        branch=dict(
            model=teacher, ckpt={{_base_.teacher_ckpt}},
            frozen=['backbone.stem', 'backbone.layer1', 'backbone.layer2',
                    'backbone.layer3'])),
    pairs=[('student', 'branch'), ('branch', 'teacher'),
           ('branch', 'student')],
    mutual_reduction='sum',
    distill_losses=dict(loss_kl=dict(type='DenseKLDivergence', tau=4.0)),
    loss_forward_mappings=dict(
        loss_kl=dict(preds_S={{_base_.logits_S}},
                     preds_T={{_base_.logits_T}})),
    eval_peer='student')
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
