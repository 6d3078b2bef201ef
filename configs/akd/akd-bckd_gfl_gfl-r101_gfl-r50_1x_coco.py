# AKD-BCKD on GFL heads, GFL R101 -> R50 on COCO.
# BCKD twin: configs/bckd/bckd_gfl_gfl-r101_gfl-r50_1x_coco.py.
_base_ = [
    '../_base_/pairs/gfl-r101_gfl-r50_1x_coco.py',
    './_base_/akd-bckd_gfl.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
