# AKD-MGD on the five FPN levels (the original AKD-MGD): the MGD twin
# (configs/mgd/_base_/mgd_fpn.py) with each level's MGDLoss wrapped in
# AvatarKDLoss, K=4 dropout avatars, batch-standardised.
_base_ = '../../mgd/_base_/mgd_fpn.py'
model = dict(
    distiller=dict(
        distill_losses={
            f'loss_mgd_fpn{level}': dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(type='MGDLoss', alpha_mgd=2e-5),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                standardize=True, weighting='uniform',
                log_name=f'akd_fpn{level}')
            for level in range(5)  # mgd_fpn's num_levels
        }))
