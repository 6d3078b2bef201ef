#!/usr/bin/env bash
# Create or reuse a virtual environment with the pinned akd stack.
#
#   bash tools/setup_env.sh [VENV]        (default: .venv)
#
# Idempotent: each step is skipped when what it installs is already there.
# On a CUDA cluster, install your CUDA build of torch into the venv first;
# this script keeps any torch it finds and builds mmcv's ops against it.
set -euo pipefail

VENV=${1:-.venv}
PYTHON=${PYTHON:-python3.11}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
MMCV_VERSION=2.1.0

cd "$(dirname "$0")/.."
command -v "$PYTHON" >/dev/null || PYTHON=python3

if [ ! -x "$VENV/bin/python" ]; then
    echo "[akd] creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --quiet --disable-pip-version-check)

has() { "$PY" -c "$1" >/dev/null 2>&1; }

if ! has 'import torch'; then
    echo "[akd] installing torch==$TORCH_VERSION"
    "${PIP[@]}" "torch==$TORCH_VERSION" numpy
fi

# After torch, which may pull a newer setuptools: mmcv 2.1.0's setup.py and
# mmengine's package lookup (mmdet::/mmseg:: configs) import pkg_resources,
# which setuptools 80 dropped. requirements/runtime.txt keeps the pin.
"${PIP[@]}" "setuptools<80" wheel ninja

if ! has 'import mmcv, mmcv.ops; assert mmcv.__version__ == "'$MMCV_VERSION'"'; then
    echo "[akd] building mmcv==$MMCV_VERSION with ops against" \
        "torch $("$PY" -c 'import torch; print(torch.__version__)')" \
        "(about 9 minutes on 2 cores the first time, then pip's wheel cache)"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "${PIP[@]}" --no-build-isolation "mmcv==$MMCV_VERSION"
fi

"${PIP[@]}" -r requirements.txt
"${PIP[@]}" --no-deps --no-build-isolation -e .
echo "[akd] environment ready in $VENV"
