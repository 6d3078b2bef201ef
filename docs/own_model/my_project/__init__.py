"""A user's own package: one mmdet neck and one mmseg decode head.

Importing it registers both, which is what a config's
``custom_imports = dict(imports=['my_project'])`` does.
"""
from .lite_fpn import LiteFPN
from .lite_fuse_head import LiteFuseHead

__all__ = ['LiteFPN', 'LiteFuseHead']
