# Label smoothing 0.1 on the toy RetinaNet R18-w16 student's focal loss
# (each class's binary target smoothed toward 1/2): a teacher-free baseline.
_base_ = '../toy_models/retinanet_r18-w16_fpn_toy-coco.py'
model = dict(
    bbox_head=dict(
        loss_cls=dict(type='LabelSmoothingFocalLoss', smoothing=0.1)))
