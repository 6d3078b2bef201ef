"""Helpers the losses, models and algorithms share: float32 loss calls and
building in MMRazor's registry scope."""
