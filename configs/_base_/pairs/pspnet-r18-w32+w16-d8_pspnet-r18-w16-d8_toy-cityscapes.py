# Two toy teachers for one student on the generated toy Cityscapes set (CPU):
# PSPNet R18-w32 and a PSPNet R18-w16 trained alone, both from `make demo`
# (work_dirs/demo/), a strong and a weak teacher for multi-teacher methods.
_base_ = [
    '../datasets/toy_cityscapes.py', '../schedules/toy_schedule.py',
    '../toy_seg_runtime.py'
]
student_cfg = '{{fileDirname}}/../../toy_models/pspnet_r18-w16-d8_toy-cityscapes.py'  # noqa: E501
teachers = dict(
    pspnet_w32=dict(
        model=dict(
            cfg_path='{{fileDirname}}/../../toy_models/pspnet_r18-w32-d8_toy-cityscapes.py',  # noqa: E501
            pretrained=False),
        ckpt='work_dirs/demo/pspnet_r18-w32-d8_toy-cityscapes/final.pth'),
    pspnet_w16=dict(
        model=dict(
            cfg_path='{{fileDirname}}/../../toy_models/pspnet_r18-w16-d8_toy-cityscapes.py',  # noqa: E501
            pretrained=False),
        ckpt='work_dirs/demo/pspnet_r18-w16-d8_toy-cityscapes/final.pth'))
