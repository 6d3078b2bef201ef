# AKD-MasKD on the five FPN levels (the original AKD-MasKD): the MasKD twin
# (configs/maskd/_base_/maskd_fpn.py) with its MasKDLoss wrapped in
# AvatarKDLoss, K=4 dropout avatars, batch-standardised, level by level;
# each avatar gets its own masks and token weights from its level's tokens.
# The leaf sets base_loss's tokens_ckpt, custom_mask_warmup and loss_weight.
_base_ = '../../maskd/_base_/maskd_fpn.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_maskd_fpn=dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='MasKDLoss', channels=[256] * 5, num_tokens=6),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                standardize=True, weighting='uniform',
                log_name='akd_fpn'))))
