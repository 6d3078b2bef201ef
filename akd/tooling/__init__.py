"""Helpers shared by akd's tools (tools/*.py) and the tests: config loading
and preflight checks, checkpoint parts, run chains, composed distillation
configs. Nothing registered, and nothing the losses or models import."""
