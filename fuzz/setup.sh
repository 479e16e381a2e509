#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ into build-fuzz/fuzz/ (clang, ASan + UBSan; see
# cmake/Sanitize.cmake), installing clang and libFuzzer from Debian first when they are missing.
# Separate from cmake/setup.sh: the default build needs none of this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
apt_packages=(clang libfuzzer-14-dev libclang-rt-14-dev)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz/setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || bash cmake/setup.sh  # the Python environment the build links against
generator=()
command -v ninja >/dev/null 2>&1 && [ ! -f build-fuzz/CMakeCache.txt ] && generator=(-G Ninja)
mkdir -p build-fuzz
# The configure output (CMake's policy warnings included) only when it fails.
if ! cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DKCOST_FUZZ=ON >build-fuzz/configure.log 2>&1; then
  cat build-fuzz/configure.log >&2
  exit 1
fi
cmake --build build-fuzz --target kcost_fuzzers -j"${KCOST_JOBS:-2}"
