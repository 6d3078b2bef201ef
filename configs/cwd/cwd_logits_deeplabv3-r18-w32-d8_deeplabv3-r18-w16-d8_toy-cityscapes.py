# CWD on logits, toy DeepLabV3 R18-w32 -> R18-w16. AKD twin: configs/akd/akd-cw
# d_logits_deeplabv3-r18-w32-d8_deeplabv3-r18-w16-d8_toy-cityscapes.py.
_base_ = [
    '../_base_/pairs/deeplabv3-r18-w32-d8_deeplabv3-r18-w16-d8_toy-cityscapes.py',  # noqa: E501
    './_base_/cwd_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
