# CrossKD on RetinaNet heads, toy RetinaNet R18-w32 -> R18-w16. The toy
# student's head has 2 convolutions per tower, so the cross head splits
# after its 2nd and runs the teacher's 3rd and 4th.
_base_ = [
    '../_base_/pairs/retina-r18-w32_retina-r18-w16_toy-coco.py',
    './_base_/crosskd_retina.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    cross_head=dict(split=2))
