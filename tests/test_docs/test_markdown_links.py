"""Every relative link in the project's Markdown points at a file."""
import glob
import os.path as osp
import re

import pytest

from conftest import REPO

LINK = re.compile(r'\]\(([^)\s]+)\)')
MARKDOWN = sorted(
    path for pattern in ('*.md', 'docs/**/*.md', 'configs/**/*.md')
    for path in glob.glob(osp.join(REPO, pattern), recursive=True))


def _relative_targets(path):
    with open(path) as markdown:
        for target in LINK.findall(markdown.read()):
            if '://' not in target and not target.startswith('#'):
                yield target.split('#')[0]


def test_markdown_files_are_found():
    assert osp.join(REPO, 'README.md') in MARKDOWN
    assert osp.join(REPO, 'configs', 'maskd', 'README.md') in MARKDOWN


@pytest.mark.parametrize('path', MARKDOWN,
                         ids=lambda p: osp.relpath(p, REPO))
def test_relative_links_resolve(path):
    missing = [
        target for target in _relative_targets(path)
        if not osp.exists(osp.join(osp.dirname(path), target))
    ]
    assert not missing, f'{osp.relpath(path, REPO)} links to {missing}'
