# AKD-MGD on FPN (the original AKD method for this pair), Cascade Mask R-CNN
# X101 -> Faster R-CNN R50 on COCO. Twin:
# configs/mgd/mgd_fpn_cascade-mask-rcnn-x101_faster-rcnn-r50_2x_coco.py.
_base_ = [
    '../_base_/pairs/cascade-mask-rcnn-x101_faster-rcnn-r50_2x_coco.py',
    './_base_/akd-mgd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}})
