"""Helpers the losses, models, algorithms and engine share: float32 loss
calls, building in MMRazor's registry scope, a loss's arguments, and the
several-teachers type."""
