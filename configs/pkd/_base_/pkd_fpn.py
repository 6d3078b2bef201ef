# PKD on FPN levels 0-3 of a detector (Cao et al., NeurIPS 2022), with
# MMRazor's PKDLoss (each channel normalised over batch and positions, then
# half the MSE: 1 - Pearson's r per channel). One entry per level as in
# MMRazor's pkd configs, which leave the coarsest level out. Weight 6 as for
# two-stage students; the leaf sets 10 for one-stage ones and adds data,
# models, teacher and teacher_ckpt.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
pkd_levels = 4
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill', teacher_forward='extract_feat',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses={
            f'loss_pkd_fpn{level}': dict(type='PKDLoss', loss_weight=6)
            for level in range(pkd_levels)
        },
        loss_forward_mappings={
            f'loss_pkd_fpn{level}': dict(
                preds_S=dict(from_student=True, recorder='fpn',
                             data_idx=level),
                preds_T=dict(from_student=False, recorder='fpn',
                             data_idx=level))
            for level in range(pkd_levels)
        }))
