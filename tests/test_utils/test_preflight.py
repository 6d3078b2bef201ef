from mmengine.config import Config

from akd.utils.preflight import set_data_root


def test_set_data_root_moves_datasets_and_evaluator_files():
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(
            type='RepeatDataset', dataset=dict(data_root='data/coco/'))),
        val_dataloader=dict(dataset=dict(data_root='data/coco/')),
        val_evaluator=dict(
            ann_file='data/coco/annotations/instances_val2017.json')))
    set_data_root(cfg, '/datasets/coco')
    assert cfg.train_dataloader.dataset.dataset.data_root == \
        '/datasets/coco/'
    assert cfg.val_dataloader.dataset.data_root == '/datasets/coco/'
    assert cfg.val_evaluator.ann_file == \
        '/datasets/coco/annotations/instances_val2017.json'
