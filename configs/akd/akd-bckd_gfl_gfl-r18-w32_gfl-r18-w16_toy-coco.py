# AKD-BCKD on GFL heads, toy GFL R18-w32 -> R18-w16.
# BCKD twin: configs/bckd/bckd_gfl_gfl-r18-w32_gfl-r18-w16_toy-coco.py.
_base_ = [
    '../_base_/pairs/gfl-r18-w32_gfl-r18-w16_toy-coco.py',
    './_base_/akd-bckd_gfl.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
