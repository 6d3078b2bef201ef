# CRD (Tian et al., ICLR 2020) on the four backbone stages pooled (student
# 16+32+64+128, teacher 32+64+128+256 channels), toy PSPNet R18-w32 ->
# R18-w16. The memory banks hold 2 x 500 toy images x 128 floats.
_base_ = [
    '../_base_/pairs/pspnet-r18-w32-d8_pspnet-r18-w16-d8_toy-cityscapes.py',
    './_base_/crd.py'
]
num_samples = 500  # toy Cityscapes train
neg_num = 256  # negatives per image (the paper: 16384)
model = dict(
    architecture=dict(cfg_path={{_base_.student_cfg}}, pretrained=False),
    teacher=dict(cfg_path={{_base_.teacher_cfg}}, pretrained=False),
    teacher_ckpt={{_base_.teacher_ckpt}},
    distiller=dict(
        student_recorders=dict(
            features=dict(type='ModuleOutputs', source='backbone')),
        teacher_recorders=dict(
            features=dict(type='ModuleOutputs', source='backbone')),
        connectors=dict(
            embed_S=dict(type='PooledCRDConnector', dim_in=240),
            embed_T=dict(type='PooledCRDConnector', dim_in=480)),
        distill_losses=dict(
            loss_crd=dict(sample_n=num_samples, neg_num=neg_num))))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='RandomResize', scale=(256, 128), ratio_range=(0.75, 1.5),
             keep_ratio=True),
        dict(type='RandomCrop', crop_size=(128, 256), cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5),
        dict(
            type='PackCRDIndices', packer=dict(type='PackSegInputs'),
            num_samples=num_samples, neg_num=neg_num)
    ]))
