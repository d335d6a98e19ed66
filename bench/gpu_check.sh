#!/bin/bash
# One lease of a CUDA machine (the device tool), issue 17's GPU checks in one prepared run:
#   versions; the tests that need a real GPU; `python -m bench.gpu` (G1, G2); the whole suite with the GPU as every
#   session's device (GRAPHGRAD_DEVICE=gpu), stopped with SIGINT at its time limit so pytest still prints its summary.
# Wheels the machine lacks travel in .whl/ (tensorboardX, google-crc32c). Logs go to $OUT.
#   [SKIP_BENCH=1] bash bench/gpu_check.sh [suite-seconds] [pytest-args...]
SUITE_S=${1:-240}; shift
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # the machine runs as root
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import sys, numpy, cupy, google.protobuf as p; print(sys.version.split()[0], 'numpy', numpy.__version__, 'cupy', cupy.__version__, 'cuda', cupy.cuda.runtime.runtimeGetVersion(), 'protobuf', p.__version__)"
python3 -c "import graphgrad as tf; print('gpu available:', tf.test.is_gpu_available(), tf.test.gpu_device_name())"
echo "== real-GPU tests"
timeout -s INT 90 python3 -m pytest -q -p no:cacheprovider -rfE tests/test_backends.py tests/test_graph_replay.py \
  tests/test_precision.py 2>&1 | tee "$OUT/gpu_tests.log" | tail -40
if [ -z "$SKIP_BENCH" ]; then
  echo "== python -m bench.gpu"
  timeout -s INT 150 python3 -m bench.gpu 2>&1 | tee "$OUT/bench_gpu.log"
fi
echo "== python -m bench.gpu_diag"
timeout -s INT 90 python3 -m bench.gpu_diag 2>&1 | tee "$OUT/gpu_diag.log" | head -45
echo "== GRAPHGRAD_DEVICE=gpu pytest (${SUITE_S}s)"
GRAPHGRAD_DEVICE=gpu timeout -s INT "$SUITE_S" python3 -m pytest -n 14 -q -p no:cacheprovider -p no:warnings -rfE \
  --timeout 60 "${@:-tests}" > "$OUT/suite.log" 2>&1
grep -E "^(FAILED|ERROR)|passed|failed" "$OUT/suite.log" | cut -c1-300 | tail -80
