#!/usr/bin/env bash
# Distributed testing with torchrun, one process per GPU (or per CPU slot
# where CUDA is unavailable: gloo is used then).
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT, as in OpenMMLab.
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
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
    tools/test.py "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
