# DKD on the head's classification logits, all five levels (9 anchors x 80
# classes per position in both heads: no connector), on the anchors the
# student's label assignment calls positive.
_base_ = './cwd_lite-retinanet_r18-w32_r18-w16_coco.py'
model = dict(
    teacher_forward='auto',  # the teacher runs its head too
    distiller=dict(
        _delete_=True, type='CheckedDistiller',
        student_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head'),
            gt_labels=dict(type='DetTargetLabels')),
        teacher_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head')),
        distill_losses=dict(loss_dkd=dict(
            type='DenseDKDLoss', tau=1, alpha=0.5, beta=0.5, num_classes=80)),
        loss_forward_mappings=dict(loss_dkd=dict(
            preds_S=dict(from_student=True, recorder='head', data_idx=0),
            preds_T=dict(from_student=False, recorder='head', data_idx=0),
            gt_labels=dict(from_student=True, recorder='gt_labels')))))
