#!/bin/bash
# The GPU check of the speed issue (#14), prepared to run as one command on a lent GPU machine (nothing in the tests needs it):
# training images/s at 64x64, K = 7, batch 64 with --amp auto --compile, peak memory (CUDA max allocated), the achieved TFLOP/s
# and its fraction of the card's matmul rate, and the card's name (in the JSON's "machine"). Results go to ${OUT:-.}/gpu_bench.json.
# Needs the package installed (monet_bench on PATH). Extra arguments are passed on to monet_bench (e.g. --baseline none to skip the
# baudm-configured model, the reference implementation configured beside ours). A quick dry run on the CPU: DEVICE=cpu COMPILE= .ci/gpu_bench.sh --batch-size 4 --steps 1 --warmup 0 \
#     --baseline none --no-reference --no-loading
set -euo pipefail
OUT=${OUT:-.}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
monet_bench --preset multi_dsprites --K 7 --batch-size 64 --amp auto ${COMPILE---compile} --device "${DEVICE:-cuda}" \
    --steps 20 --warmup 5 --json "$OUT/gpu_bench.json" --force "$@"
