"""akd's packages import only downwards, as docs/development.md draws them.

Read from the code's own imports (every ``import`` and ``from`` statement of
every module, at any depth): a package imports only packages of lower
layers, so there is no cycle, and ``akd.compat`` imports nothing of akd's.
"""
import ast
import os
import os.path as osp
from typing import Dict, Set

from conftest import REPO

# Lowest first; packages in one layer do not import each other.
LAYERS = (
    ('compat', ),
    ('utils', ),
    ('structures', 'checkpoints'),
    ('models', ),
    ('losses', ),
    ('visualization', 'datasets'),
    ('evaluation', ),
    ('pruning', 'distillers'),
    ('algorithms', ),
    ('engine', ),
    ('tooling', ),
)
PACKAGE = osp.join(REPO, 'akd')


def _module_name(path: str) -> str:
    relative = osp.relpath(path, REPO)[:-len('.py')].split(os.sep)
    return '.'.join(relative[:-1] if relative[-1] == '__init__' else relative)


def _imported(path: str) -> Set[str]:
    """The akd modules ``path`` imports, absolute."""
    module = _module_name(path)
    package = module if path.endswith('__init__.py') else module.rpartition(
        '.')[0]
    found = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name == 'akd'
                         or a.name.startswith('akd.'))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split('.')
                base = '.'.join(parts[:len(parts) - node.level + 1])
                target = f'{base}.{node.module}' if node.module else base
            elif node.module and node.module.split('.')[0] == 'akd':
                target = node.module
            else:
                continue
            if node.module is None:  # from . import x
                found.update(f'{target}.{a.name}' for a in node.names)
            else:
                found.add(target)
    return found


def package_imports() -> Dict[str, Set[str]]:
    """{akd package: the other akd packages its modules import}."""
    graph = {}
    for directory, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = osp.join(directory, name)
            parts = _module_name(path).split('.')
            if len(parts) < 2:
                continue  # akd/__init__.py registers everything
            imported = {
                m.split('.')[1] for m in _imported(path) if m.count('.')
            }
            graph.setdefault(parts[1], set()).update(imported - {parts[1]})
    return graph


def test_every_package_has_a_layer():
    layered = {package for layer in LAYERS for package in layer}
    packages = {
        name for name in os.listdir(PACKAGE)
        if osp.isfile(osp.join(PACKAGE, name, '__init__.py'))
    }
    assert packages == layered


def test_packages_import_only_lower_layers():
    level = {
        package: index
        for index, layer in enumerate(LAYERS) for package in layer
    }
    upward = sorted(
        f'{package} imports {other}'
        for package, others in package_imports().items()
        for other in others if level[other] >= level[package])
    assert not upward


def test_compat_imports_nothing_of_akds():
    directory = osp.join(PACKAGE, 'compat')
    for name in os.listdir(directory):
        if name.endswith('.py'):
            own = {
                m for m in _imported(osp.join(directory, name))
                if not m.startswith('akd.compat')
            }
            assert not own, (name, own)
