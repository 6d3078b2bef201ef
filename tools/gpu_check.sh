#!/usr/bin/env bash
# The GPU checks of docs/benchmark.md, for a CUDA machine with no internet
# but the package registry: CUDA torch, mmcv built against it, then the
# teacher-forward tests on CUDA, the benchmark of the issue's GPU target
# and the half-precision teacher check. Tables go to $OUT (default
# work_dirs/gpu_check).
#
#   bash tools/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-work_dirs/gpu_check}
mkdir -p "$OUT"
VENV=.venv-cuda
TORCH_VERSION=${TORCH_VERSION:-2.13.0}

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet "torch==$TORCH_VERSION" numpy
MAX_JOBS=$(nproc) bash tools/setup_env.sh "$VENV" 2>&1 | tail -3
PY="$VENV/bin/python"
"$PY" -c 'import torch; assert torch.cuda.is_available(); print(torch.__version__, torch.cuda.get_device_name())' | tee "$OUT/device.txt"

# CUDA correctness: records equal MMRazor's, bfloat16 and float32 losses
"$PY" -m pytest -q tests/test_compat/test_teacher_forward_policy.py \
    tests/test_utils/test_full_precision.py 2>&1 | tail -3 | tee "$OUT/tests.txt"

RETINA=configs/cwd/cwd_fpn_retina-r101_retina-r50_1x_coco.py
BENCH=(tools/analysis/benchmark_distill.py --device cuda --batch 2 --iters 10)
# float32 teacher, then bfloat16 + channels_last: d against MMRazor's c
"$PY" "${BENCH[@]}" "$RETINA" configs/cwd/cwd_logits_pspnet-r101-d8_pspnet-r18-d8_80k_cityscapes.py \
    configs/dkd/dkd_logits_retina-r18-w32_retina-r18-w16_toy-coco.py \
    | tee "$OUT/benchmark_fp32.md"
"$PY" "${BENCH[@]}" "$RETINA" --cfg-options model.teacher_dtype=bfloat16 \
    model.teacher_channels_last=True | tee "$OUT/benchmark_bf16.md"
"$PY" "${BENCH[@]}" "$RETINA" --amp --cfg-options \
    model.teacher_dtype=bfloat16 model.teacher_channels_last=True \
    | tee "$OUT/benchmark_bf16_amp.md"

# the distillation loss from a bfloat16 teacher against float32, 50 steps
"$PY" tools/analysis/teacher_precision_check.py "$RETINA" --device cuda \
    --channels-last --iters 50 | tee "$OUT/precision.md"
