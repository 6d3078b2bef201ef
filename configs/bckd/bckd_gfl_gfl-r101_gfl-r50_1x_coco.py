# BCKD on GFL heads, GFL R101 -> R50 on COCO (43.2 AP in the paper).
# AKD twin: configs/akd/akd-bckd_gfl_gfl-r101_gfl-r50_1x_coco.py.
_base_ = [
    '../_base_/pairs/gfl-r101_gfl-r50_1x_coco.py',
    './_base_/bckd_gfl.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
