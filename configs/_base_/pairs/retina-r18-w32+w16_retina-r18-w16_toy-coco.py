# Two toy teachers for one student on the generated toy COCO set (CPU):
# RetinaNet R18-w32 and a RetinaNet R18-w16 trained alone, both from
# `make demo` (work_dirs/demo/), a strong and a weak teacher.
_base_ = [
    '../datasets/toy_coco_detection.py', '../schedules/toy_schedule.py',
    '../toy_det_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/retinanet_r18-w16_fpn_toy-coco.py'  # noqa: E501
teachers = dict(
    retina_w32=dict(
        model=dict(
            cfg_path='{{fileDirname}}/../../toy_models/retinanet_r18-w32_fpn_toy-coco.py',  # noqa: E501
            pretrained=False),
        ckpt='work_dirs/demo/retinanet_r18-w32_fpn_toy-coco/final.pth'),
    retina_w16=dict(
        model=dict(
            cfg_path='{{fileDirname}}/../../toy_models/retinanet_r18-w16_fpn_toy-coco.py',  # noqa: E501
            pretrained=False),
        ckpt='work_dirs/demo/retinanet_r18-w16_fpn_toy-coco/final.pth'))
