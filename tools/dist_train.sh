#!/usr/bin/env bash
# Distributed training with torchrun, one process per GPU (or per CPU slot
# where CUDA is unavailable: gloo is used then).
#   bash tools/dist_train.sh CONFIG GPUS [train.py args...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT, as in OpenMMLab.
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

cd "$(dirname "$0")/.."
PYTHONPATH="$(pwd):${PYTHONPATH:-}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    tools/train.py "$CONFIG" --launcher pytorch "${@:3}"
