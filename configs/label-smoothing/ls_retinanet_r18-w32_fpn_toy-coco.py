# Label smoothing 0.1 in the focal loss of the toy RetinaNet R18-w32
# teacher, to distil from it (tools/analysis/teacher_study.py).
_base_ = '../toy_models/retinanet_r18-w32_fpn_toy-coco.py'
model = dict(
    bbox_head=dict(
        loss_cls=dict(type='LabelSmoothingFocalLoss', smoothing=0.1)))
