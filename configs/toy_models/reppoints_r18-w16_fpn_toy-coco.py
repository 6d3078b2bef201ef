# RepPoints (moment) with a ResNet-18 of base width 16, an FPN of 64
# channels and a two-conv GN head: the toy point-set student.
_base_ = './retinanet_r18-w16_fpn_toy-coco.py'
norm_cfg = dict(type='GN', num_groups=32, requires_grad=True)
model = dict(
    type='RepPointsDetector',
    neck=dict(norm_cfg=norm_cfg),
    bbox_head=dict(
        _delete_=True,
        type='RepPointsHead',
        num_classes=80,
        in_channels=64,
        feat_channels=64,
        point_feat_channels=64,
        stacked_convs=2,
        num_points=9,
        gradient_mul=0.1,
        point_strides=[8, 16, 32, 64, 128],
        point_base_scale=4,
        norm_cfg=norm_cfg,
        loss_cls=dict(
            type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
            loss_weight=1.0),
        loss_bbox_init=dict(type='SmoothL1Loss', beta=0.11, loss_weight=0.5),
        loss_bbox_refine=dict(type='SmoothL1Loss', beta=0.11, loss_weight=1.0),
        transform_method='moment'),
    train_cfg=dict(
        _delete_=True,
        init=dict(
            assigner=dict(type='PointAssigner', scale=4, pos_num=1),
            allowed_border=-1, pos_weight=-1, debug=False),
        refine=dict(
            assigner=dict(
                type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                min_pos_iou=0, ignore_iof_thr=-1),
            allowed_border=-1, pos_weight=-1, debug=False)))
