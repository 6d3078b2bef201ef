# TAKD (Mirzadeh et al., AAAI 2020) on toy PSPNets, step 1 of 2: the R18-w32
# teacher distils the R18-w16 assistant. Hinton KD on the decode logits, every
# pixel a sample (tau 4).
# Run the chain with `python tools/takd_chain.py <step 1> <step 2>`.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/seg_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(loss_kd=dict(type='DenseKLDivergence', tau=4.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}}))))
