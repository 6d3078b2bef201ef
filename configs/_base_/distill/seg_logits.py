# One teacher; the decode heads' logits and the student's label maps are
# recorded for a logit loss. A leaf adds the loss, with the mappings below:
# loss_forward_mappings=dict(loss_x=dict(preds_S={{_base_.logits_S}}, ...)).
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
            gt_labels=dict(type='SegGtLabels')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs',
                        source='decode_head.conv_seg'))))
logits_S = dict(from_student=True, recorder='logits')
logits_T = dict(from_student=False, recorder='logits')
gt_labels = dict(from_student=True, recorder='gt_labels')
