# CA-MKD on the decode head's logits: every teacher's per-pixel KL weighted by
# its confidence on the pixel's label (tau 4 as in the official code). The
# leaf adds data, schedule, runtime, student and teachers.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='MultiTeacherDistill',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
            gt_labels=dict(type='SegGtLabels')),
        teacher_recorders=dict(
            logits=dict(type='EnsembleOutputs',
                        source='decode_head.conv_seg')),
        distill_losses=dict(loss_camkd=dict(type='CAMKDLoss', tau=4.0)),
        loss_forward_mappings=dict(
            loss_camkd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                gt_labels=dict(from_student=True, recorder='gt_labels')))))
