# Toy GFL R18-w32 -> R18-w16 on the generated toy COCO set (CPU). The
# teacher trains as the demo's do (800 iterations):
#   python tools/train.py configs/toy_models/gfl_r18-w32_fpn_toy-coco.py \
#       --work-dir work_dirs/demo/gfl_r18-w32_fpn_toy-coco --cfg-options \
#       train_cfg.max_iters=800 train_cfg.val_interval=800 \
#       default_hooks.checkpoint.interval=800 param_scheduler.1.end=800
# and its iter_800.pth is copied to final.pth.
_base_ = [
    '../datasets/toy_coco_detection.py', '../schedules/toy_schedule.py',
    '../toy_det_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/gfl_r18-w16_fpn_toy-coco.py'
teacher_cfg = '{{fileDirname}}/../../toy_models/gfl_r18-w32_fpn_toy-coco.py'
teacher_ckpt = 'work_dirs/demo/gfl_r18-w32_fpn_toy-coco/final.pth'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
