"""This process's memory as Linux reports it, for CPU benchmarks."""


def status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB: ``'VmRSS'`` (resident now),
    ``'VmHWM'`` (its peak)."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'/proc/self/status has no {field}')
