# AKD-MasKD on the five FPN levels (the original AKD-MasKD): the MasKD twin
# (configs/maskd/_base_/maskd_fpn.py) with each level's MasKDLoss wrapped in
# AvatarKDLoss, K=4 dropout avatars, batch-standardised; each avatar gets
# its own masks and token weights. The leaf sets base_loss's tokens_ckpt,
# custom_mask_warmup and loss_weight per level.
_base_ = '../../maskd/_base_/maskd_fpn.py'
model = dict(
    distiller=dict(
        distill_losses={
            f'loss_maskd_fpn{level}': dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='MasKDLoss', channels=256, tokens_level=level,
                    num_tokens=6),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                uncertainty='bn',
                log_name=f'akd_fpn{level}')
            for level in range(5)  # maskd_fpn's num_levels
        }))
