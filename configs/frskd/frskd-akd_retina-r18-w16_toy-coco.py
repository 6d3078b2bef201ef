# Teacher-free AKD on toy RetinaNet R18-w16: FRSKD (the twin config) with
# its soft labels drawn from K=4 avatars of the self-teacher's logits,
# weighted by the variance uncertainty. The avatars add Gaussian noise (0.1
# of each channel's std): dropout would set a sigmoid logit to 0, i.e. a
# probability of 0.5, for a class the head rates at 0.01.
_base_ = './frskd_retina-r18-w16_toy-coco.py'
model = dict(
    soft_label_loss=dict(
        _delete_=True,
        type='AvatarKDLoss',
        base_loss=dict(
            type='DenseKLDivergence', tau=1.0, sigmoid=True,
            loss_weight=1.0),
        num_avatars=4,
        perturbation=dict(type='AvatarGaussianNoise', sigma=0.1),
        standardize=False, weighting='variance'))
