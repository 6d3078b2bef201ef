# CWD on logits from a teacher trained with label smoothing 0.1: the toy
# twin of configs/cwd/cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-
# cityscapes.py, for Müller et al.'s finding that such a teacher distils
# worse. The teacher comes from `python tools/train.py
# configs/label-smoothing/ls_pspnet_r18-w32-d8_toy-cityscapes.py`
# (tools/analysis/seed_study.py trains it into work_dirs/demo/).
_base_ = ('../cwd/cwd_logits_pspnet-r18-w32-d8_pspnet-r18-w16-d8_'
          'toy-cityscapes.py')
model = dict(
    teacher=dict(
        cfg_path='{{fileDirname}}/ls_pspnet_r18-w32-d8_toy-cityscapes.py'),
    teacher_ckpt='work_dirs/demo/ls_pspnet_r18-w32-d8_toy-cityscapes/'
    'final.pth')
