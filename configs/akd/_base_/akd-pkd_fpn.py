# AKD-PKD on FPN levels 0-3: the PKD twin (configs/pkd/_base_/pkd_fpn.py)
# with each level's PKDLoss wrapped in AvatarKDLoss, K=4 dropout avatars
# weighted by the paper's uncertainty factor ('variance': PKD already
# normalises each channel, so batch-standardising, 'bn', would change
# nothing). The leaf sets base_loss.loss_weight as the twin's loss_weight.
_base_ = '../../pkd/_base_/pkd_fpn.py'
model = dict(
    distiller=dict(
        distill_losses={
            f'loss_pkd_fpn{level}': dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(type='PKDLoss', loss_weight=6),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                standardize=False, weighting='variance',
                log_name=f'akd_fpn{level}')
            for level in range(4)  # pkd_fpn's pkd_levels
        }))
