# TCS (Zhou et al., AAAI 2025), TCSLoss: the student's FPN pixels matched to
# the teacher's in the teacher's PCA coordinates (95% of the variance), one
# basis for all five levels, fixed after 200k teacher pixels (about 20 toy
# batches) and kept in the checkpoint. Both necks have 64 channels. Toy
# RetinaNet R18-w32 -> R18-w16.
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
        distill_losses=dict(
            loss_tcs=dict(
                type='TCSLoss', channels=64, num_components=0.95,
                basis_samples=200_000)),
        loss_forward_mappings=dict(
            loss_tcs=dict(
                preds_S={{_base_.feats_S}}, preds_T={{_base_.feats_T}}))))
