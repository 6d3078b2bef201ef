# CWD on the five FPN levels of a detector (MMRazor's ChannelWiseDivergence,
# tau=1, weight 10 per level, as in MMRazor's cwd_fpn configs). The leaf
# config adds data, schedule, runtime, student, teacher and teacher_ckpt.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
num_levels = 5
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill', teacher_forward='extract_feat',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses={
            f'loss_cwd_fpn{level}': dict(
                type='ChannelWiseDivergence', tau=1, loss_weight=10)
            for level in range(num_levels)
        },
        loss_forward_mappings={
            f'loss_cwd_fpn{level}': dict(
                preds_S=dict(from_student=True, recorder='fpn',
                             data_idx=level),
                preds_T=dict(from_student=False, recorder='fpn',
                             data_idx=level))
            for level in range(num_levels)
        }))
