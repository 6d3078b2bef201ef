# AKD-CrossKD on RetinaNet heads: the CrossKD twin (configs/crosskd/_base_/
# crosskd_retina.py) with both losses wrapped in AvatarKDLoss, which
# perturbs the teacher's class logits and box deltas level by level: K=4
# dropout avatars weighted by the paper's uncertainty factor ('variance').
_base_ = '../../crosskd/_base_/crosskd_retina.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_cross_cls=dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='QualityFocalKDLoss', beta=1.0, loss_weight=1.0,
                    num_classes={{_base_.num_classes}}),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                uncertainty='variance',
                log_name='akd_cls'),
            loss_cross_box=dict(
                _delete_=True,
                type='AvatarKDLoss',
                base_loss=dict(
                    type='AnchorBoxIoUKDLoss',
                    num_classes={{_base_.num_classes}}, loss_weight=1.0),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                uncertainty='variance',
                log_name='akd_box'))))
