# AKD-MGD on FPN (the original AKD method for this pair), toy Cascade R-CNN
# R18-w32 -> Faster R-CNN R18-w16. Twin:
# configs/mgd/mgd_fpn_cascade-rcnn-r18-w32_faster-rcnn-r18-w16_toy-coco.py. The
# toy FPNs have 64 channels.
_base_ = [
    '../_base_/pairs/cascade-rcnn-r18-w32_faster-rcnn-r18-w16_toy-coco.py',
    './_base_/akd-mgd_fpn.py'
]
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(connectors={
        f'generator_fpn{level}': dict(student_channels=64, teacher_channels=64)
        for level in range(5)
    }))
