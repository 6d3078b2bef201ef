# CWD on logits from PSPNet R101-D8 to PSPNet R18-D8 on Cityscapes, 80k iter.
# 4 GPUs x 2 img = 8 img/iter, 512x1024 crops, as mmseg's PSPNet 80k.
_base_ = [
    'mmseg::_base_/datasets/cityscapes.py',
    'mmseg::_base_/schedules/schedule_80k.py',
    'mmseg::_base_/default_runtime.py', './_base_/cwd_logits_pspnet.py'
]
teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth'  # noqa: E501
model = dict(
    architecture=dict(
        cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
        pretrained=False),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py',  # noqa: E501
        pretrained=False),
    teacher_ckpt=teacher_ckpt)
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
