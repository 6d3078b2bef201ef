"""The error every guard raises: one message naming key, value and fix."""


class GuardError(ValueError):
    """A run stopped by a guard before it could waste compute.

    ``tools/train.py`` and ``tools/test.py`` print it as one line, without a
    stack trace; the message names the config key, the bad value, what was
    expected and the fix.
    """
