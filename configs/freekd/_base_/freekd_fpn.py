# FreeKD (Zhang et al., CVPR 2024) on a RetinaNet, as the official RetinaNet
# config: on the five FPN levels, after a 1x1 convolution per level aligning
# the student (no norm, no activation), the frequency loss (masked L1 on the
# detail bands of 3 Haar levels, weight 1, frozen prompts from stage 1) and a
# plain MSE (weight 5); on the box-regression outputs, a SmoothL1 (weight 1).
# Each entry covers every level. The teacher runs its backbone, neck and head
# (no losses). The leaf adds data, schedule, runtime, student, teacher,
# teacher_ckpt and prompts_ckpt.
custom_imports = dict(imports=['akd'], allow_failed_imports=False)
num_levels = 5
fpn_channels = 256
model = dict(
    _scope_='mmrazor',
    type='FrozenTeacherDistill',
    teacher_forward='tensor',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(
            fpn=dict(type='ModuleOutputs', source='neck'),
            head=dict(type='ModuleOutputs', source='bbox_head')),
        teacher_recorders=dict(
            fpn=dict(type='ModuleOutputs', source='neck'),
            head=dict(type='ModuleOutputs', source='bbox_head')),
        connectors=dict(
            align_fpn=dict(
                type='LevelConnectors',
                connector=dict(
                    type='ConvModuleConnector', in_channel=fpn_channels,
                    out_channel=fpn_channels, kernel_size=1, act_cfg=None),
                num_levels=num_levels)),
        distill_losses=dict(
            loss_freekd_fpn=dict(
                type='FreeKDLoss', channels=[fpn_channels] * num_levels,
                num_prompts=6, wavelet_levels=3, loss_weight=1.0),
            loss_mse_fpn=dict(
                type='LevelSumLoss',
                base_loss=dict(type='mmdet.MSELoss', loss_weight=5.0)),
            loss_reg_head=dict(
                type='LevelSumLoss',
                base_loss=dict(
                    type='mmdet.SmoothL1Loss', beta=1.0, loss_weight=1.0))),
        loss_forward_mappings=dict(
            loss_freekd_fpn=dict(
                preds_S=dict(from_student=True, recorder='fpn',
                             connector='align_fpn'),
                preds_T=dict(from_student=False, recorder='fpn')),
            loss_mse_fpn=dict(
                preds_S=dict(from_student=True, recorder='fpn',
                             connector='align_fpn'),
                preds_T=dict(from_student=False, recorder='fpn')),
            loss_reg_head=dict(
                preds_S=dict(from_student=True, recorder='head', data_idx=1),
                preds_T=dict(from_student=False, recorder='head',
                             data_idx=1)))))
