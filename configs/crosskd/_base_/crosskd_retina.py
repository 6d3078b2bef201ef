# CrossKD (Wang et al., CVPR 2024) on RetinaNet heads: the GFL base's cross
# head and classification KD (quality focal KD over every anchor, weight 1),
# and for the boxes 1 - GIoU between the boxes the cross-head and the
# teacher's deltas decode to on the student's anchors, weighted by the
# teacher's highest class probability, over the student's positives
# (weight 1). The leaf adds data, schedule, runtime, student, teacher and
# teacher_ckpt.
_base_ = './crosskd_gfl.py'
num_classes = 80
model = dict(
    distiller=dict(
        student_recorders=dict(
            gt_labels=dict(_delete_=True, type='DetTargetLabels'),
            anchors=dict(type='HeadAnchors')),
        distill_losses=dict(
            loss_cross_cls=dict(num_classes=num_classes),
            loss_cross_box=dict(
                _delete_=True,
                type='AnchorBoxIoUKDLoss',
                num_classes=num_classes,
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_cross_box=dict(
                _delete_=True,
                preds_S=dict(
                    from_student=True, recorder='cross_head', data_idx=1),
                preds_T=dict(from_student=False, recorder='head', data_idx=1),
                cls_score_T=dict(
                    from_student=False, recorder='head', data_idx=0),
                anchors=dict(from_student=True, recorder='anchors'),
                labels=dict(from_student=True, recorder='gt_labels')))))
