#!/usr/bin/env bash
# Sets up kcost on a brand-new Debian 12 machine, idempotently:
#   1. Debian packages (GoogleTest, Boost.Program_options, nlohmann/json, GiNaC),
#   2. the project's Python environment .venv from requirements.txt,
#   3. the CMake build into build/ (binary: build/kcost).
# Each step is skipped when it is already done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

apt_packages=(libgtest-dev libboost-program-options-dev nlohmann-json3-dev libginac-dev pkg-config)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${KCOST_BASE_PYTHON:-python3}
stamp=.venv/.kcost-requirements
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating .venv with $(command -v "$python") and requirements.txt"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi

# Other transformers to test against, only when asked (KCOST_EXTRA_TRANSFORMERS="4.57.1 4.50.0"):
# a venv .venv-transformers-<version> beside .venv for each, with the same torch; the tests
# validate against them (tests/transformers_versions.txt says which models on which version).
for version in ${KCOST_EXTRA_TRANSFORMERS:-}; do
  extra=.venv-transformers-$version
  if [ ! -x "$extra/bin/python" ] || ! "$extra/bin/python" -c "import transformers, sys; sys.exit(transformers.__version__ != '$version')" 2>/dev/null; then
    echo "setup: creating $extra with transformers==$version"
    [ -x "$extra/bin/python" ] || "$python" -m venv "$extra"
    "$extra/bin/python" -m pip install -q --disable-pip-version-check "$(grep '^torch==' requirements.txt)" "transformers==$version"
  fi
done

generator=()
command -v ninja >/dev/null 2>&1 && [ ! -f build/CMakeCache.txt ] && generator=(-G Ninja)
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: done; binary at build/kcost"
