# TAKD (Mirzadeh et al., AAAI 2020) on toy RetinaNets, step 2 of 2: the
# distilled R18-w16 assistant teaches the R18-w8 student. Hinton KD on the
# sigmoid classification logits of every anchor.
# Run the chain with `python tools/takd_chain.py <step 1> <step 2>`.
_base_ = [
    '../_base_/pairs/retina-r18-w16_retina-r18-w8_toy-coco.py',
    '../_base_/distill/det_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(
            loss_kd=dict(type='DenseKLDivergence', sigmoid=True)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                labels={{_base_.gt_labels}}))))
