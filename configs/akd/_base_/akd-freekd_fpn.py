# AKD-FreeKD on a RetinaNet: the FreeKD twin (configs/freekd/_base_/
# freekd_fpn.py) with its three losses wrapped in AvatarKDLoss, K=4 avatars
# weighted by the paper's uncertainty factor ('variance': the frequency and
# MSE losses compare raw features, which batch-standardising, 'bn', would
# rescale). The FPN levels get dropout avatars, as for CWD; the box deltas
# Gaussian noise, as in AKD-CrossKD (dropout zeroes a delta outright).
# AvatarKDLoss perturbs level by level; LevelSumLoss then sees one level.
_base_ = '../../freekd/_base_/freekd_fpn.py'
fpn_avatars = dict(
    type='AvatarKDLoss',
    num_avatars=4,
    perturbation=dict(type='AvatarDropout', p=0.1),
    standardize=False, weighting='variance')
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_freekd_fpn=dict(
                _delete_=True,
                base_loss=dict(
                    type='FreeKDLoss',
                    channels=[256] * 5,  # freekd_fpn's levels
                    num_prompts=6, wavelet_levels=3, loss_weight=1.0),
                log_name='akd_freekd',
                **fpn_avatars),
            loss_mse_fpn=dict(
                _delete_=True,
                base_loss=dict(
                    type='LevelSumLoss',
                    base_loss=dict(type='mmdet.MSELoss', loss_weight=5.0)),
                log_name='akd_mse',
                **fpn_avatars),
            loss_reg_head=dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='LevelSumLoss',
                    base_loss=dict(
                        type='mmdet.SmoothL1Loss', beta=1.0,
                        loss_weight=1.0)),
                num_avatars=4,
                perturbation=dict(type='AvatarGaussianNoise', sigma=0.1),
                standardize=False, weighting='variance',
                log_name='akd_reg'))))
