# Similarity-preserving KD (Tung & Mori, ICCV 2019), SPLoss: the batch's
# image-by-image similarity of each FPN level, summed over the five levels.
# Weight 50, not the paper's CIFAR-10 3000: at 3000 the loss was 20-120x the
# detection loss and the toy detector fell to 0.029 mAP (docs/results.md).
# Toy RetinaNet R18-w32 -> R18-w16.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    '../_base_/distill/features.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        student_recorders=dict(
            features=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(
            features=dict(type='ModuleOutputs', source='neck')),
        distill_losses=dict(loss_sp=dict(type='SPLoss', loss_weight=50)),
        loss_forward_mappings=dict(
            loss_sp=dict(
                preds_S={{_base_.feats_S}}, preds_T={{_base_.feats_T}}))))
