# AKD-CWD: each level's CWD loss wrapped by AvatarKDLoss, K=4 dropout
# avatars of the teacher's map, weighted by the variance uncertainty. The
# mappings and connectors of the CWD config stay as they are.
_base_ = './cwd_lite-retinanet_r18-w32_r18-w16_coco.py'
model = dict(distiller=dict(distill_losses={
    f'loss_cwd{i}': dict(
        _delete_=True, type='AvatarKDLoss',
        base_loss=dict(type='ChannelWiseDivergence', tau=1, loss_weight=10),
        num_avatars=4, standardize=False, weighting='variance',
        log_name=f'akd{i}')
    for i in range(5)}))
