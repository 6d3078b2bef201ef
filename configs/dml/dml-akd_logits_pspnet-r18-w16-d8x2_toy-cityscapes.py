# AKD over DML on toy PSPNet R18-w16-D8 x2: DML (the twin config) with each
# peer learning from K=4 avatars of the other's logits (element-wise dropout
# p=0.1), weighted by the variance uncertainty.
_base_ = './dml_logits_pspnet-r18-w16-d8x2_toy-cityscapes.py'
model = dict(
    distill_losses=dict(
        loss_kl=dict(
            _delete_=True,
            type='AvatarKDLoss',
            base_loss=dict(type='DenseKLDivergence', tau=1.0),
            num_avatars=4,
            perturbation=dict(type='AvatarDropout', p=0.1),
            standardize=False, weighting='variance')))
