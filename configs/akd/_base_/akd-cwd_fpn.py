# AKD-CWD on the five FPN levels of a detector: the CWD twin's distiller
# (configs/cwd/_base_/cwd_fpn.py) with its per-level losses replaced by one
# AvatarKDLoss over the whole neck tuple: K=4 dropout avatars of the
# teacher's neck per iteration, batch-standardised (the original's
# uncertainty), CWD tau=1 at weight 10 per level as the twin.
_base_ = '../../cwd/_base_/cwd_fpn.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_akd=dict(
                type='AvatarKDLoss',
                base_loss=dict(
                    type='ChannelWiseDivergence', tau=1, loss_weight=10),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                standardize=True, weighting='uniform')),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_akd=dict(
                preds_S=dict(from_student=True, recorder='fpn'),
                preds_T=dict(from_student=False, recorder='fpn')))))
