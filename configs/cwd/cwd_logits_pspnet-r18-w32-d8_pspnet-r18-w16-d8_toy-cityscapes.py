# CWD on logits, toy PSPNet R18-w32 -> R18-w16. AKD twin: configs/akd/akd-cwd_l
# ogits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    './_base_/cwd_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
