# CWD on FPN, RetinaNet R101 -> R50 on COCO. AKD twin:
# configs/akd/akd-cwd_fpn_retina-r101_retina-r50_1x_coco.py.
_base_ = [
    '../_base_/pairs/retina-r101_retina-r50_1x_coco.py',
    './_base_/cwd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
