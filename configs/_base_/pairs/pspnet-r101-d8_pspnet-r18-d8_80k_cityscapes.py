# PSPNet R101-D8 (79.76 mIoU) -> PSPNet R18-D8 (74.87 mIoU) on Cityscapes,
# 80k iterations. 4 GPUs x 2 img = 8 img/iter, 512x1024 crops, as mmseg's
# PSPNet 80k.
_base_ = [
    'mmseg::_base_/datasets/cityscapes.py',
    'mmseg::_base_/schedules/schedule_80k.py',
    'mmseg::_base_/default_runtime.py'
]
student_cfg = 'mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'
teacher_cfg = 'mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth'  # noqa: E501
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
