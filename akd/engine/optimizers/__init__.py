"""Optimizer wrapper constructors (registered in mmengine's registry)."""
from .peer_optim_wrapper_constructor import PeerOptimWrapperConstructor

__all__ = ['PeerOptimWrapperConstructor']
