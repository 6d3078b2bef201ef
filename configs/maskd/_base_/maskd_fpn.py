# MasKD on the five FPN levels of a detector (Huang et al., ICLR 2023), as
# the official mmrazor/configs/distill/maskd: one MasKDLoss entry over the
# whole neck, with each level's frozen receptive tokens from stage 1, after a
# 1x1 convolution per level aligning the student (no norm, no activation).
# The leaf adds data, models, teacher, tokens_ckpt, custom_mask_warmup and
# loss_weight (per level, summed over the levels).
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
num_levels = 5
fpn_channels = 256
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill', teacher_forward='extract_feat',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors=dict(
            align_fpn=dict(
                type='LevelConnectors',
                connector=dict(
                    type='ConvModuleConnector', in_channel=fpn_channels,
                    out_channel=fpn_channels, kernel_size=1, act_cfg=None),
                num_levels=num_levels)),
        distill_losses=dict(
            loss_maskd_fpn=dict(
                type='MasKDLoss', channels=[fpn_channels] * num_levels,
                num_tokens=6)),
        loss_forward_mappings=dict(
            loss_maskd_fpn=dict(
                preds_S=dict(from_student=True, recorder='fpn',
                             connector='align_fpn'),
                preds_T=dict(from_student=False, recorder='fpn')))))
