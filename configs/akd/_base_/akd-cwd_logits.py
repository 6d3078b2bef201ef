# AKD-CWD on the decode head's logits: the CWD twin's distiller
# (configs/cwd/_base_/cwd_logits.py) with its loss wrapped in AvatarKDLoss:
# K=4 dropout avatars of the teacher's logits per iteration weighted by the
# uncertainty factor, CWD tau=1 at weight 3 as the twin. Not 'bn':
# standardising logits drops their scale, which CWD's spatial softmax
# needs; on toy Cityscapes 'bn' scored 57.4 mIoU, 'variance' 74.9, CWD 74.5
# (3 seeds, docs/results.md).
_base_ = '../../cwd/_base_/cwd_logits.py'
model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_akd=dict(
                type='AvatarKDLoss',
                base_loss=dict(
                    type='ChannelWiseDivergence', tau=1, loss_weight=3),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                standardize=False, weighting='variance')),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_akd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
