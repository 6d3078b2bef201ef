# CWD on the logits (19 classes in both: no connector), lite-pspnet
# R18-w32 -> R18-w16, tau=1 and weight 3 as in MMRazor's CWD configs.
_base_ = './lite-pspnet_r18-w16-d8_cityscapes.py'  # data, schedule, runtime
custom_imports = dict(imports=['my_project', 'akd'])
model = dict(
    _delete_=True, _scope_='mmrazor', type='FrozenTeacherDistill',
    architecture=dict(cfg_path='{{fileDirname}}/lite-pspnet_r18-w16-d8_cityscapes.py', pretrained=False),  # noqa: E501
    teacher=dict(cfg_path='{{fileDirname}}/lite-pspnet_r18-w32-d8_cityscapes.py', pretrained=False),  # noqa: E501
    teacher_ckpt='work_dirs/lite-pspnet_r18-w32-d8_cityscapes/iter_80000.pth',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),  # noqa: E501
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),  # noqa: E501
        distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1, loss_weight=3)),  # noqa: E501
        loss_forward_mappings=dict(loss_cwd=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits')))))
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
