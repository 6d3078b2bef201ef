# CrossKD (Wang et al., CVPR 2024) on GFL heads: after the student's first 3
# head convolutions of each tower, its features (aligned to the teacher's
# statistics) run through the teacher's 4th convolution and predictors; the
# cross-head scores are distilled to the teacher's with the quality focal
# KD (beta 1, weight 1, over the student's positives) and the cross-head
# box-edge distributions with KL (tau 1, weight 4, weighted by the
# teacher's score). Both leave out the priors the student's head gives no
# label weight (the batch's padding), through the student's labels, as the
# official code does. The leaf adds data, schedule, runtime, student,
# teacher and teacher_ckpt.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='CrossKDDistill',
    cross_head=dict(split=3, align_scale=True),
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            cross_head=dict(type='CrossHeadOutputs'),
            gt_labels=dict(
                type='DetTargetLabels',
                source='mmdet.models.dense_heads.gfl_head.GFLHead.'
                'get_targets')),
        teacher_recorders=dict(
            head=dict(type='ModuleOutputs', source='bbox_head')),
        distill_losses=dict(
            loss_cross_cls=dict(
                type='QualityFocalKDLoss', beta=1.0, loss_weight=1.0),
            loss_cross_box=dict(
                type='DistributionKDLoss', tau=1.0, loss_weight=4.0)),
        loss_forward_mappings=dict(
            loss_cross_cls=dict(
                preds_S=dict(
                    from_student=True, recorder='cross_head', data_idx=0),
                preds_T=dict(from_student=False, recorder='head', data_idx=0),
                labels=dict(from_student=True, recorder='gt_labels')),
            loss_cross_box=dict(
                preds_S=dict(
                    from_student=True, recorder='cross_head', data_idx=1),
                preds_T=dict(from_student=False, recorder='head', data_idx=1),
                cls_score_T=dict(
                    from_student=False, recorder='head', data_idx=0),
                labels=dict(from_student=True, recorder='gt_labels')))))
