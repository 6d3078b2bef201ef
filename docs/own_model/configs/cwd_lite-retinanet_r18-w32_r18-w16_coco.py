# CWD on the five LiteFPN levels, lite-retinanet R18-w32 -> R18-w16. The
# student's 32 channels meet the teacher's 64 through a 1x1 conv per level.
_base_ = './lite-retinanet_r18-w16_coco.py'  # data, schedule, runtime
custom_imports = dict(imports=['my_project', 'akd'])
levels = 5
model = dict(
    _delete_=True, _scope_='mmrazor', type='FrozenTeacherDistill',
    teacher_forward='extract_feat',
    architecture=dict(cfg_path='{{fileDirname}}/lite-retinanet_r18-w16_coco.py', pretrained=False),  # noqa: E501
    teacher=dict(cfg_path='{{fileDirname}}/lite-retinanet_r18-w32_coco.py', pretrained=False),  # noqa: E501
    teacher_ckpt='work_dirs/lite-retinanet_r18-w32_coco/epoch_12.pth',
    distiller=dict(
        type='CheckedDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        connectors={f'fpn{i}': dict(type='ConvModuleConnector', in_channel=32, out_channel=64, kernel_size=1) for i in range(levels)},  # noqa: E501
        distill_losses={f'loss_cwd{i}': dict(type='ChannelWiseDivergence', tau=1, loss_weight=10) for i in range(levels)},  # noqa: E501
        loss_forward_mappings={f'loss_cwd{i}': dict(
            preds_S=dict(from_student=True, recorder='fpn', data_idx=i, connector=f'fpn{i}'),  # noqa: E501
            preds_T=dict(from_student=False, recorder='fpn', data_idx=i)) for i in range(levels)}))  # noqa: E501
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
