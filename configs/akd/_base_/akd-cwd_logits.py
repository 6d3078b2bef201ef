# AKD-CWD on the decode head's logits: K=4 dropout avatars of the teacher's
# logits per iteration weighted by the uncertainty factor, CWD tau=1 at
# weight 3 as the CWD twin (configs/cwd/_base_/cwd_logits.py). Not 'bn':
# standardising logits drops their scale, which CWD's spatial softmax
# needs; on toy Cityscapes 'bn' scored 57.4 mIoU, 'variance' 74.9, CWD 74.5
# (3 seeds, docs/results.md).
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_akd=dict(
                type='AvatarKDLoss',
                base_loss=dict(
                    type='ChannelWiseDivergence', tau=1, loss_weight=3),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                uncertainty='variance')),
        loss_forward_mappings=dict(
            loss_akd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
