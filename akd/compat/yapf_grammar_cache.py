"""yapf's grammar cache is written whole, and rebuilt when it is torn.

Upstream problem (yapf 0.43, which mmengine's ``Config`` imports):
``Grammar.dump`` renames its temporary pickle into the user cache
(``~/.cache/YAPF``) before flushing it. A process that imports mmengine
while another is writing the cache, such as two pytest workers or the ranks
of a first multi-GPU launch on a fresh node, can read an empty or partial
pickle and die at import with ``EOFError: Ran out of input``; a process
killed there leaves the torn file for every later import. The cache is now
written to a temporary file and renamed over the cache, and a torn one is
rebuilt from the grammar text yapf ships, then written again.

This fix goes first: it must be in place before anything imports yapf.
"""
import io
import os
import os.path as osp
import pickle
import pkgutil
import tempfile

from yapf_third_party._ylib2to3.pgen2 import grammar, pgen

_PATCHED = '_akd_whole_grammar_cache'
_GRAMMARS = 'yapf_third_party._ylib2to3'


def _grammar_text(pickle_path: str) -> str:
    """The grammar text behind a cache file named as yapf names them,
    ``<Grammar>-py<version>.pickle``."""
    name = osp.basename(pickle_path).split('-py')[0] + '.txt'
    return pkgutil.get_data(_GRAMMARS, name).decode('utf-8')


def _dump(self, filename):
    """Pickle to a temporary file beside ``filename``, flushed, then renamed
    over it: a reader sees the old cache or the whole new one."""
    directory = osp.dirname(osp.abspath(filename))
    os.makedirs(directory, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=directory, suffix='.part')
    try:
        with os.fdopen(handle, 'wb') as f:
            pickle.dump(self.__dict__, f, pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, filename)
    finally:
        if osp.exists(partial):
            os.remove(partial)


def _load(original):

    def load(self, filename):
        try:
            original(self, filename)
        except (EOFError, pickle.UnpicklingError):
            rebuilt = pgen.generate_grammar(
                io.StringIO(_grammar_text(filename)))
            self.__dict__.update(rebuilt.__dict__)
            try:
                self.dump(filename)
            except OSError:  # as yapf: the cache is not vital
                pass

    setattr(load, _PATCHED, True)
    return load


def install() -> None:
    """Patch ``Grammar.dump`` and ``Grammar.load``; idempotent."""
    if getattr(grammar.Grammar.load, _PATCHED, False):
        return
    grammar.Grammar.load = _load(grammar.Grammar.load)
    grammar.Grammar.dump = _dump
