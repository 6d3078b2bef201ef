# SOKD (Liu et al., BMVC 2021) on toy RetinaNet R18-w32 -> R18-w16: the
# pretrained teacher stays frozen; a branch (the teacher with its stem and
# first three stages frozen, its last stage, FPN and head learning) learns
# from the teacher and the student, and the student learns from the branch
# only. KL of the per-class sigmoids on every anchor at T=4 (times T^2),
# weight 1, the terms summed.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/online_det_logits.py'
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
            frozen=['backbone.conv1', 'backbone.bn1', 'backbone.layer1',
                    'backbone.layer2', 'backbone.layer3'])),
    pairs=[('student', 'branch'), ('branch', 'teacher'),
           ('branch', 'student')],
    mutual_reduction='sum',
    distill_losses=dict(
        loss_kl=dict(type='DenseKLDivergence', tau=4.0, sigmoid=True)),
    loss_forward_mappings=dict(
        loss_kl=dict(preds_S={{_base_.logits_S}},
                     preds_T={{_base_.logits_T}},
                     labels={{_base_.gt_labels}})),
    eval_peer='student')
optim_wrapper = dict(constructor='PeerOptimWrapperConstructor')
val_cfg = dict(_delete_=True, type='PeersValLoop')  # every peer
