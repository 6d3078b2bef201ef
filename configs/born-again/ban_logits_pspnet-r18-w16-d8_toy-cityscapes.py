# Born-again networks (Furlanello et al., ICML 2018) on toy PSPNet R18-w16-D8:
# a generation learns from the previous one, of the same architecture, with
# its task loss plus the KL per pixel at T=1 (weight 1). Train the chain with
# `python tools/born_again_chain.py <this config> --generations G`, which sets
# model.teacher_ckpt to the previous generation's student.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/seg_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher_ckpt='work_dirs/born_again/gen0/student.pth',
    distiller=dict(
        distill_losses=dict(loss_kd=dict(type='DenseKLDivergence', tau=1.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}}))))
