"""One decision for every rank, so that under DDP all stop together."""
import torch
import torch.distributed as dist


def on_any_rank(flag: torch.Tensor) -> bool:
    """Whether ``flag`` (a boolean or 0/1 tensor) is set on some rank.

    One all-reduce under DDP and one host sync; a rank that raised alone
    would leave the others waiting in their next collective.
    """
    found = flag.detach().to(torch.float32).reshape(())
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(found, op=dist.ReduceOp.MAX)
    return bool(found.item())


def agreed_max(value: int, device: torch.device) -> int:
    """The largest ``value`` of any rank (this rank's without DDP)."""
    largest = torch.tensor(value, dtype=torch.int64, device=device)
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(largest, op=dist.ReduceOp.MAX)
    return int(largest.item())
