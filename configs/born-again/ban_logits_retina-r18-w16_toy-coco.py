# Born-again networks (Furlanello et al., ICML 2018) on toy RetinaNet R18-w16:
# a generation learns from the previous one, of the same architecture, with
# its task loss plus the KL of the per-class sigmoids on every anchor (T=1,
# weight 1). Train the chain with `python tools/born_again_chain.py <this
# config> --generations G [--ensemble mean_sigmoids]`.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/det_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher_ckpt='work_dirs/born_again/gen0/student.pth',
    distiller=dict(
        distill_losses=dict(
            loss_kd=dict(type='DenseKLDivergence', tau=1.0, sigmoid=True)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S={{_base_.logits_S}},
                preds_T={{_base_.logits_T}},
                labels={{_base_.gt_labels}}))))
