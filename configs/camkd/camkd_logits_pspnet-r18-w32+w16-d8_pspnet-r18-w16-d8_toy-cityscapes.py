# CA-MKD, toy PSPNet R18-w32 and R18-w16 teachers -> PSPNet R18-w16.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32+w16-d8_pspnet-r18-w16-d8_toy-cityscapes.py',  # noqa: E501
    './_base_/camkd_logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teachers={{_base_.teachers}})
