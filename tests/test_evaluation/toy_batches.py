"""Raw evaluation batches of the toy data sets, as a test loop gets them."""
import os.path as osp

from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

from akd.compat.local_cfg_path import build_from_config_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def eval_batch(config: str, data_root: str, indices=(0, 1)) -> dict:
    """Images ``indices`` of ``config``'s test set under ``data_root``."""
    cfg = Config.fromfile(f'{REPO}/{config}')
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.data_root = data_root + '/'
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        from mmengine.registry import DATASETS
        dataset = DATASETS.build(dataset_cfg)
        return pseudo_collate([dataset[i] for i in indices])


def loaded_model(config: str, checkpoint: str = None):
    """``config``'s model in eval mode, with ``checkpoint``'s weights."""
    import torch
    model = build_from_config_file(f'{REPO}/{config}')
    if checkpoint:
        model.load_state_dict(torch.load(checkpoint)['state_dict'])
    return model.eval()
