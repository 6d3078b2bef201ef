# CA-MKD on RetinaNet's classification logits (all FPN levels, every positive
# anchor a sample; background anchors have no class to weigh teachers by). The
# leaf adds data, schedule, runtime, student and teachers.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='MultiTeacherDistill',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head'),
            gt_labels=dict(type='DetTargetLabels')),
        teacher_recorders=dict(
            head=dict(type='EnsembleOutputs', source='bbox_head')),
        distill_losses=dict(
            loss_camkd=dict(type='CAMKDLoss', tau=1.0, num_classes=80)),
        loss_forward_mappings=dict(
            loss_camkd=dict(
                preds_S=dict(from_student=True, recorder='head', data_idx=0),
                preds_T=dict(
                    from_student=False, recorder='head', data_idx=0),
                gt_labels=dict(from_student=True, recorder='gt_labels')))))
