# The user's detector: RetinaNet with a ResNet-18 of base width 16 and the
# user's own LiteFPN neck (32 channels), on COCO with mmdet's 1x schedule.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py'
]
custom_imports = dict(imports=['my_project'], allow_failed_imports=False)
model = dict(
    backbone=dict(depth=18, base_channels=16, out_indices=(1, 2, 3),
                  init_cfg=None),
    neck=dict(_delete_=True, type='LiteFPN', in_channels=[32, 64, 128],
              out_channels=32, num_outs=5),
    bbox_head=dict(in_channels=32, feat_channels=32, stacked_convs=2))
