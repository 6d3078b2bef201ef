"""Training-run loops (registered in mmengine's ``LOOPS``)."""
from .peers_val_loop import PeersValLoop

__all__ = ['PeersValLoop']
