# One teacher; a dense head's classification logits (all FPN levels: the
# first output of bbox_head) and the student's per-anchor labels
# (DetTargetLabels: AnchorHead.get_targets) are recorded for a logit loss.
# A leaf adds the loss (num_classes=80 splits anchors x classes), with the
# mappings below.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head'),
            gt_labels=dict(type='DetTargetLabels')),
        teacher_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head'))))
logits_S = dict(from_student=True, recorder='head', data_idx=0)
logits_T = dict(from_student=False, recorder='head', data_idx=0)
gt_labels = dict(from_student=True, recorder='gt_labels')
