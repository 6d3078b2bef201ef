"""A config whose text mmengine formats once, not five times a run.

mmengine formats a config's text with yapf (``Config.pretty_text``) each
time a run logs it, dumps it (the runner and the visualizer), stores it in
the message hub, and saves it in every checkpoint's meta: about a second
each for a distillation config, half of a short run's time on a CPU and a
second per checkpoint anywhere. The text depends on the config's content
only, so ``tools/train.py`` and ``tools/test.py`` give the runner a
:class:`FormattedOnceConfig`, which formats each content once.
"""
from collections import OrderedDict

from mmengine.config import Config

CACHED_TEXTS = 8


class FormattedOnceConfig(Config):
    """mmengine's ``Config``, its ``pretty_text`` kept per content.

    The key is the config's content (``repr`` of its dict, cheap beside
    yapf), so a changed config is formatted anew; the text is mmengine's.
    """

    _texts: 'OrderedDict[str, str]' = OrderedDict()

    @property
    def pretty_text(self) -> str:
        key = repr(self._cfg_dict)
        texts = FormattedOnceConfig._texts
        if key not in texts:
            texts[key] = super().pretty_text
            while len(texts) > CACHED_TEXTS:
                texts.popitem(last=False)
        return texts[key]


def formatted_once(cfg: Config) -> FormattedOnceConfig:
    """``cfg`` as a :class:`FormattedOnceConfig`, sharing its content (as
    ``Config.__copy__`` copies)."""
    other = FormattedOnceConfig.__new__(FormattedOnceConfig)
    for key, value in cfg.__dict__.items():
        super(Config, other).__setattr__(key, value)
    return other
