"""akd's data transforms (registered in mmengine's root ``TRANSFORMS``)."""
from .pack_crd_indices import PackCRDIndices

__all__ = ['PackCRDIndices']
