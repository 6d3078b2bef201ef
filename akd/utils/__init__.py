"""Helpers the losses, models, algorithms, engine and stack fixes share:
float32 loss calls, building in MMRazor's registry scope, a loss's
arguments, the several-teachers type, and files never seen half written."""
