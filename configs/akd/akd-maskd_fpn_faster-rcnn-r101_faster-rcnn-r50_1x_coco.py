# AKD-MasKD on FPN, Faster R-CNN R101 -> R50
# Warm-up and loss weight of the official MasKD config.
# MasKD twin:
#   configs/maskd/maskd_fpn_faster-rcnn-r101_faster-rcnn-r50_1x_coco.py.
# Tokens from stage 1:
#   python tools/train.py \
#       configs/maskd/maskd-tokens_fpn_faster-rcnn-r101_2k_coco.py
_base_ = [
    '../_base_/pairs/faster-rcnn-r101_faster-rcnn-r50_1x_coco.py',
    './_base_/akd-maskd_fpn.py'
]
tokens_ckpt = 'work_dirs/maskd-tokens_fpn_faster-rcnn-r101_2k_coco/iter_2000.pth'  # noqa: E501
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        distill_losses=dict(
            loss_maskd_fpn=dict(
                base_loss=dict(
                    tokens_ckpt=tokens_ckpt,
                    custom_mask_warmup=7330, loss_weight=1)))))
