# AKD-CrossKD on RetinaNet heads, toy RetinaNet R18-w32 -> R18-w16.
# CrossKD twin:
#   configs/crosskd/crosskd_retina_retina-r18-w32_retina-r18-w16_toy-coco.py.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/akd-crosskd_retina.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    cross_head=dict(split=2))
