import pytest
from mmengine.config import Config

import akd  # noqa: F401
from akd.compat.renamed_configs import find_renamed


def test_renamed_mmdet2_base_resolves_with_warning(tmp_path):
    config = tmp_path / 'old_base.py'
    config.write_text(
        "_base_ = 'mmdet::faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py'\n")
    with pytest.warns(UserWarning, match='faster-rcnn_r50_fpn_1x_coco.py'):
        cfg = Config.fromfile(str(config))
    assert cfg.model.type == 'FasterRCNN'


def test_renamed_cfg_path_builds_through_get_model():
    from mmengine.hub import get_config
    with pytest.warns(UserWarning, match='renamed successor'):
        cfg = get_config('mmdet::faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py')
    assert cfg.model.type == 'FasterRCNN'


def test_reordered_mmseg_name_resolves_by_words(tmp_path):
    for name in ('pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
                 'pspnet_r18-d8_4xb2-40k_cityscapes-512x1024.py'):
        (tmp_path / name).write_text('')
    old = tmp_path / 'pspnet_r18-d8_512x1024_80k_cityscapes.py'
    assert find_renamed(str(old)) == str(
        tmp_path / 'pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py')


def test_ambiguous_or_unknown_name_is_not_guessed(tmp_path):
    for name in ('a_x_1.py', 'a_x_2.py'):
        (tmp_path / name).write_text('')
    assert find_renamed(str(tmp_path / 'a_x.py')) is None
    assert find_renamed(str(tmp_path / 'b.py')) is None


def test_missing_config_error_names_the_folder():
    from mmengine.hub import get_config
    with pytest.raises(FileNotFoundError, match='no renamed config'):
        get_config('mmdet::retinanet/no_such_model_1x_coco.py')
