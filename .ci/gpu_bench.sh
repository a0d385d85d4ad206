#!/bin/bash
# The GPU check of the speed issue (#14), prepared to run as one command on a lent GPU machine (nothing in the tests needs it):
# training images/s at 64x64, K = 7, batch 64 with --amp auto --compile, peak memory (CUDA max allocated), the achieved TFLOP/s
# and its fraction of the card's matmul rate, and the card's name (in the JSON's "machine"). Results go to ${OUT:-.}/gpu_bench.json.
# Extra arguments are passed on to monet_bench (e.g. --steps 50); DEVICE=cpu runs the same command on the CPU, as a dry run.
set -euo pipefail
OUT=${OUT:-.}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
monet_bench --preset multi_dsprites --K 7 --batch-size 64 --amp auto ${COMPILE---compile} --device "${DEVICE:-cuda}" \
    --steps 20 --warmup 5 --json "$OUT/gpu_bench.json" --force "$@"
