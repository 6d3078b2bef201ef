# CWD on FPN, toy Faster R-CNN R18-w32 -> R18-w16. AKD twin:
# configs/akd/akd-cwd_fpn_faster-rcnn-r18-w32_faster-rcnn-r18-w16_toy-coco.py.
_base_ = [
    '../_base_/pairs/faster-rcnn-r18-w32_faster-rcnn-r18-w16_toy-coco.py',
    './_base_/cwd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
