# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared by scripts/demo and scripts/test: the repo root, the job count,
# section headers and the configure/build steps.

# The repo root, from this file's location, so the scripts run from any cwd.
ZMTP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ZMTP_ROOT" || exit 1

# JOBS: parallel compile jobs (default: the number of cores).
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

SECONDS=0

zmtp_section() {
  printf '\n==== %s  [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60))
}

# zmtp_configure BUILD_DIR [cmake args...]
# Configures BUILD_DIR with Ninja, RelWithDebInfo. Re-running on an existing
# build directory only refreshes the cache, so the build stays incremental.
# A directory configured by hand with another generator keeps it (CMake
# refuses to change the generator of an existing build tree).
zmtp_configure() {
  local dir=$1
  shift
  local args=(-S "$ZMTP_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@")
  local generator
  generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$dir/CMakeCache.txt" 2>/dev/null || true)
  if [[ -z "$generator" ]]; then
    args+=(-G Ninja)
  fi
  cmake "${args[@]}"
}

# zmtp_build BUILD_DIR [cmake --build args...]
zmtp_build() {
  local dir=$1
  shift
  cmake --build "$dir" --parallel "$JOBS" "$@"
}
