# AKD-CWD on the five FPN levels of a detector: K=4 dropout avatars of the
# teacher's neck per iteration, batch-standardised (the original's
# uncertainty), CWD tau=1 at weight 10 per level as the CWD twin
# (configs/cwd/_base_/cwd_fpn.py). One entry covers the whole neck tuple.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
model = dict(
    _scope_='mmrazor',
    type='FpnTeacherDistill',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses=dict(
            loss_akd=dict(
                type='AvatarKDLoss',
                base_loss=dict(
                    type='ChannelWiseDivergence', tau=1, loss_weight=10),
                num_avatars=4,
                perturbation=dict(type='AvatarDropout', p=0.1),
                uncertainty='bn')),
        loss_forward_mappings=dict(
            loss_akd=dict(
                preds_S=dict(from_student=True, recorder='fpn'),
                preds_T=dict(from_student=False, recorder='fpn')))))
