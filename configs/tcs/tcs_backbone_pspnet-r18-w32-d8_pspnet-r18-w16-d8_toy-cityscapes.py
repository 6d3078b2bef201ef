# TCS (Zhou et al., AAAI 2025), TCSLoss: the student's last backbone stage,
# mapped by a learnable 1x1 linear connector (the paper's projector, 128 ->
# 256 channels), matched to the teacher's in the teacher's PCA coordinates
# (95% of the variance); the basis is fixed after 100k teacher pixels and
# kept in the checkpoint. Toy PSPNet R18-w32 -> R18-w16.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    '../_base_/distill/features.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        student_recorders=dict(
            features=dict(type='ModuleOutputs', source='backbone')),
        teacher_recorders=dict(
            features=dict(type='ModuleOutputs', source='backbone')),
        connectors=dict(
            projector=dict(
                type='ConvModuleConnector', in_channel=128, out_channel=256,
                act_cfg=None)),
        distill_losses=dict(
            loss_tcs=dict(
                type='TCSLoss', channels=256, num_components=0.95,
                basis_samples=100_000)),
        loss_forward_mappings=dict(
            loss_tcs=dict(
                preds_S=dict(
                    from_student=True, recorder='features', data_idx=3,
                    connector='projector'),
                preds_T=dict(
                    from_student=False, recorder='features', data_idx=3)))))
