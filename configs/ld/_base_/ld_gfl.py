# LD (Zheng et al., CVPR 2022) on a GFL head, inside akd's distiller: the
# KL between the teacher's and the student's box-edge distributions on the
# student's ATSS positives (the main region, weighted by the student's
# score) and on the valuable localization region (weighted by IoU), tau 10,
# weights 0.25 and 0.25, every FPN level in one entry. The teacher runs its
# backbone, neck and head (no losses). The leaf adds data, schedule,
# runtime, student, teacher and teacher_ckpt.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill',
    teacher_forward='tensor',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head'),
            regions=dict(type='LDRegions')),
        teacher_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head')),
        distill_losses=dict(
            loss_ld=dict(
                type='LDLoss', tau=10.0, loss_weight=0.25, vlr_weight=0.25)),
        loss_forward_mappings=dict(
            loss_ld=dict(
                preds_S=dict(from_student=True, recorder='head', data_idx=1),
                preds_T=dict(from_student=False, recorder='head', data_idx=1),
                cls_score_S=dict(
                    from_student=True, recorder='head', data_idx=0),
                labels=dict(from_student=True, recorder='regions',
                            data_idx=0),
                vlr_weights=dict(
                    from_student=True, recorder='regions', data_idx=1)))))
