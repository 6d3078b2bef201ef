# CA-MKD, toy RetinaNet R18-w32 and R18-w16 teachers -> RetinaNet R18-w16.
_base_ = [
    '../_base_/pairs/retina-r18-w32+w16_retina-r18-w16_toy-coco.py',
    './_base_/camkd_retina-logits.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teachers={{_base_.teachers}})
