# AKD-TCS on P3, toy RetinaNet R18-w32 -> R18-w16: the TCS twin's loss
# wrapped by AvatarKDLoss, K=4 dropout avatars (p=0.1) weighted by the
# paper's variance uncertainty. Twin:
# configs/tcs/tcs_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py.
_base_ = '../tcs/tcs_fpn_retina-r18-w32_retina-r18-w16_toy-coco.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_akd=dict(
                type='AvatarKDLoss',
                base_loss={{_base_.model.distiller.distill_losses.loss_tcs}},
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                standardize=False, weighting='variance')),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_akd={{_base_.model.distiller.loss_forward_mappings.loss_tcs}}  # noqa: E501
        )))
