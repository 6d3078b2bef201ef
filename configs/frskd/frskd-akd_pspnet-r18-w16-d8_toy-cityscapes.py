# Teacher-free AKD on toy PSPNet R18-w16-D8: FRSKD (the twin config) with
# its pixel soft labels drawn from K=4 avatars of the self-teacher's logits
# (element-wise dropout p=0.1), weighted by the variance uncertainty.
_base_ = './frskd_pspnet-r18-w16-d8_toy-cityscapes.py'
model = dict(
    soft_label_loss=dict(
        _delete_=True,
        type='AvatarKDLoss',
        base_loss=dict(type='DenseKLDivergence', tau=1.0, loss_weight=1.0),
        num_avatars=4,
        perturbation=dict(type='AvatarDropout', p=0.1),
        standardize=False, weighting='variance'))
