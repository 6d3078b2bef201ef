# CWD on the decode head's logits (MMRazor's ChannelWiseDivergence, tau=1,
# weight 3 as in the CWD paper's Cityscapes setting). The leaf config adds
# data, schedule, runtime, student, teacher and teacher_ckpt.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_cwd=dict(type='ChannelWiseDivergence', tau=1, loss_weight=3)),
        loss_forward_mappings=dict(
            loss_cwd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
