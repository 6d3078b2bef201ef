# AKD-CrossKD on GFL heads: the CrossKD twin (configs/crosskd/_base_/
# crosskd_gfl.py) with both losses wrapped in AvatarKDLoss, which perturbs
# the teacher's predictions the cross head is distilled to, level by level:
# K=4 noisy avatars of the teacher's class logits and of its box-edge
# logits, weighted by the paper's uncertainty factor ('variance'). Both
# losses keep their normalisers over every level (all_labels,
# all_cls_score_T: AvatarKDLoss passes them whole).
# Gaussian noise (sigma 0.1 of each channel's std), not dropout: dropping a
# sigmoid logit to 0 turns a confident 'no' (p = 0.007 at z = -5) into
# p = 0.5, and with dropout avatars AKD-CrossKD on the toy GFL pair fell
# below the plain student (docs/results.md).
_base_ = '../../crosskd/_base_/crosskd_gfl.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_cross_cls=dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='QualityFocalKDLoss', beta=1.0, loss_weight=1.0),
                num_avatars=4,
                perturbation=dict(type='AvatarGaussianNoise', sigma=0.1),
                standardize=False, weighting='variance',
                log_name='akd_cls'),
            loss_cross_box=dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='DistributionKDLoss', tau=1.0, loss_weight=4.0),
                num_avatars=4,
                perturbation=dict(type='AvatarGaussianNoise', sigma=0.1),
                standardize=False, weighting='variance',
                log_name='akd_box')),
        loss_forward_mappings=dict(
            loss_cross_cls=dict(
                all_labels=dict(from_student=True, recorder='gt_labels')),
            loss_cross_box=dict(
                all_cls_score_T=dict(
                    from_student=False, recorder='head', data_idx=0),
                all_labels=dict(from_student=True, recorder='gt_labels')))))
