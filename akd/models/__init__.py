"""akd's model-building pieces."""
from . import local_cfg_path

local_cfg_path.install()
