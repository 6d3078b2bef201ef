"""One connector per level, so one loss entry can take a whole neck.

MMRazor's connectors map one tensor. An FPN records a tuple of levels, and a
loss that takes them all in one entry (CWD, MGD, MasKD, AKD over any of
them) needs each level mapped by its own connector when the widths differ.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from mmrazor.registry import MODELS
from torch import Tensor, nn

from ..utils.mmrazor_scope import build_in_mmrazor_scope


@MODELS.register_module()
class LevelConnectors(BaseConnector):
    """Maps a tuple of levels, level i by connector i.

    Args:
        connector (dict | list[dict]): One connector config, copied for
            each of ``num_levels`` levels, or one config per level.
        num_levels (int, optional): Levels; required with one config, and
            checked against a list's length if given.
        init_cfg (dict, optional): Initialisation config.

    Example:
        >>> import torch
        >>> from akd.models import LevelConnectors
        >>> connectors = LevelConnectors(
        ...     dict(type='ConvModuleConnector', in_channel=8, out_channel=16,
        ...          kernel_size=1), num_levels=2)
        >>> fpn = (torch.randn(2, 8, 8, 8), torch.randn(2, 8, 4, 4))
        >>> [level.shape[1] for level in connectors(fpn)]
        [16, 16]
    """

    def __init__(self,
                 connector: Union[dict, List[dict]],
                 num_levels: Optional[int] = None,
                 init_cfg: Optional[Dict] = None):
        super().__init__(init_cfg)
        configs = self._per_level(connector, num_levels)
        self.levels = nn.ModuleList(
            build_in_mmrazor_scope(cfg) for cfg in configs)

    @staticmethod
    def _per_level(connector, num_levels) -> List[dict]:
        if isinstance(connector, dict):
            if not isinstance(num_levels, int) or num_levels < 1:
                raise ValueError(
                    'LevelConnectors.num_levels must be the number of levels '
                    f'(an integer >= 1) when connector is one config, got '
                    f'{num_levels!r}.')
            return [dict(connector) for _ in range(num_levels)]
        if num_levels is not None and num_levels != len(connector):
            raise ValueError(
                f'LevelConnectors: connector lists {len(connector)} configs '
                f'but num_levels={num_levels}; give one config per level, or '
                'one config and num_levels.')
        return list(connector)

    def forward_train(self, feature: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        if isinstance(feature, Tensor) or len(feature) != len(self.levels):
            got = ('one tensor' if isinstance(feature, Tensor) else
                   f'{len(feature)} levels')
            raise ValueError(
                f'LevelConnectors has {len(self.levels)} connectors but got '
                f'{got}: record the whole neck (source=\'neck\', no data_idx)'
                ' or set num_levels to the levels recorded.')
        return tuple(
            connector(level)
            for connector, level in zip(self.levels, feature))
