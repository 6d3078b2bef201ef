"""Pictures of what distillation does, written as PNG files."""
from .reliability_diagram import save_reliability_diagram

__all__ = ['save_reliability_diagram']
