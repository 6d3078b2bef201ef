# AKD-CrossKD on RetinaNet heads, RetinaNet R101 -> R50 2x on COCO.
# CrossKD twin:
#   configs/crosskd/crosskd_retina_retina-r101_retina-r50_2x_coco.py.
_base_ = [
    '../_base_/pairs/retina-r101_retina-r50_2x_coco.py',
    './_base_/akd-crosskd_retina.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
