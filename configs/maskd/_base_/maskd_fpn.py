# MasKD on the five FPN levels of a detector (Huang et al., ICLR 2023), as
# the official mmrazor/configs/distill/maskd: per level a 1x1 convolution
# aligning the student (no norm, no activation) and a MasKDLoss with the
# teacher's frozen receptive tokens from stage 1. The leaf adds data, models,
# teacher, and per level tokens_ckpt, custom_mask_warmup and loss_weight.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
num_levels = 5
fpn_channels = 256
model = dict(
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors={
            f'align_fpn{level}': dict(
                type='ConvModuleConnector', in_channel=fpn_channels,
                out_channel=fpn_channels, kernel_size=1, act_cfg=None)
            for level in range(num_levels)
        },
        distill_losses={
            f'loss_maskd_fpn{level}': dict(
                type='MasKDLoss', channels=fpn_channels, tokens_level=level,
                num_tokens=6)
            for level in range(num_levels)
        },
        loss_forward_mappings={
            f'loss_maskd_fpn{level}': dict(
                preds_S=dict(from_student=True, recorder='fpn',
                             data_idx=level, connector=f'align_fpn{level}'),
                preds_T=dict(from_student=False, recorder='fpn',
                             data_idx=level))
            for level in range(num_levels)
        }))
