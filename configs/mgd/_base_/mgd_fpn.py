# MGD on the five FPN levels of a detector (Yang et al., ECCV 2022), as
# MMRazor's mgd_fpn configs: per level a trainable MGDConnector (random
# pixel masking at ratio 0.65, then a two-conv generator) on the student and
# MGDLoss with alpha 2e-5. The leaf config adds data, models and teacher.
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
        connectors={
            f'generator_fpn{level}': dict(
                type='MGDConnector', student_channels=fpn_channels,
                teacher_channels=fpn_channels, lambda_mgd=0.65)
            for level in range(num_levels)
        },
        distill_losses={
            f'loss_mgd_fpn{level}': dict(type='MGDLoss', alpha_mgd=2e-5)
            for level in range(num_levels)
        },
        loss_forward_mappings={
            f'loss_mgd_fpn{level}': dict(
                preds_S=dict(from_student=True, recorder='fpn',
                             data_idx=level,
                             connector=f'generator_fpn{level}'),
                preds_T=dict(from_student=False, recorder='fpn',
                             data_idx=level))
            for level in range(num_levels)
        }))
