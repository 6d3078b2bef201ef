"""Build scope-prefixed types under their own scope; name the fix if not.

Upstream problem (mmengine 0.10): ``type='mmdet.RetinaNet'`` finds the class
in mmdet's registry but leaves the default scope where it was. Under an
MMRazor algorithm (``_scope_='mmrazor'`` or ``default_scope='mmrazor'``) the
detector's own nested builds then look in MMRazor's registries and fail with
``BboxOverlaps2D is not in the mmrazor::task util registry``. Giving such a
config the prefix's scope (as ``_scope_`` would) makes nested builds resolve,
and a name missing from the current scope's registry gets an error that
names the scope that does register it.
"""
from mmengine.registry import Registry

_PATCHED = '_akd_scope_aware'


def _with_prefix_scope(cfg):
    """``cfg`` with ``_scope_`` set from a ``'scope.Name'`` type, if any."""
    if not isinstance(cfg, dict) or '_scope_' in cfg:
        return cfg
    obj_type = cfg.get('type')
    if not isinstance(obj_type, str):
        return cfg
    scope, _ = Registry.split_scope_key(obj_type)
    if scope is None:
        return cfg
    cfg = cfg.copy()
    cfg['_scope_'] = scope
    return cfg


def _scopes_registering(registry: Registry, name: str) -> list:
    root = registry._get_root_registry()
    return sorted(scope for scope, child in root.children.items()
                  if name in child.module_dict)


def _explained(error: KeyError, registry: Registry, cfg) -> KeyError:
    obj_type = cfg.get('type') if isinstance(cfg, dict) else None
    message = str(error.args[0]) if error.args else ''
    if not isinstance(obj_type, str) or not message.startswith(
            f'{obj_type} is not in the'):
        return error
    scopes = _scopes_registering(registry, obj_type)
    if not scopes:
        return error
    scope = scopes[0]
    return KeyError(
        f"{message.split('. ')[0]}, but {' and '.join(scopes)} registers "
        f"it. Build it in its own scope: type='{scope}.{obj_type}', or "
        f"_scope_='{scope}' in the same dict, or inherit the model from a "
        f"'{scope}::' base config or MMRazor's cfg_path='{scope}::...'.")


def install() -> None:
    """Wrap :meth:`Registry.build`; idempotent."""
    if getattr(Registry.build, _PATCHED, False):
        return
    original_build = Registry.build

    def build(self, cfg, *args, **kwargs):
        cfg = _with_prefix_scope(cfg)
        try:
            return original_build(self, cfg, *args, **kwargs)
        except KeyError as error:
            explained = _explained(error, self, cfg)
            if explained is error:
                raise
            raise explained from error

    setattr(build, _PATCHED, True)
    build.__doc__ = original_build.__doc__
    Registry.build = build
