"""The dense-row layout that losses, metrics, pruning and online switching
share: feature-pyramid levels, pixel and anchor samples, and per-teacher
inputs."""
