# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The Debian 12 packages this project needs, in one place, and the function
# that installs the missing ones. Sourced by scripts/demo and scripts/test.

# build-essential/g++ ..... the default compiler (GCC 12)
# cmake, ninja-build ...... the build
# pkg-config .............. reads libzmq.pc, for the interop tests and benchmarks that use libzmq
# libasio-dev ............. standalone Asio 1.22.1, the I/O library we build on
# libsodium-dev ........... libsodium: CURVE's cryptography (the core's only dependency)
# catch2 .................. Catch2 v2 (unit tests)
# libzmq3-dev ............. libzmq 4.3.4: an interop peer and the benchmark baseline, never linked into the library
# python3, python3-zmq .... /usr/bin/python3 with pyzmq 24: interop peers and the demo driver
# python3-tornado ......... pyzmq's zmq.auth authenticators import it (the ZAP interop tests)
# python3-pytest .......... runs pyzmq's own test suite on our C API (capi/tests)
# clang, libclang-rt-14-dev  the sanitizer build and libFuzzer (ASan/UBSan/libFuzzer runtimes)
# gnuplot-nox ............. the chart of bench/run.py (results.png; without it: CSV + markdown only)
ZMTP_DEBIAN_PACKAGES=(
  build-essential
  g++
  cmake
  ninja-build
  pkg-config
  libasio-dev
  libsodium-dev
  catch2
  libzmq3-dev
  python3
  python3-zmq
  python3-tornado
  python3-pytest
  clang
  libclang-rt-14-dev
  gnuplot-nox
)

# Prints the packages of ZMTP_DEBIAN_PACKAGES that are not installed, one a line.
zmtp_missing_packages() {
  local pkg status
  for pkg in "${ZMTP_DEBIAN_PACKAGES[@]}"; do
    # "ii " = installed; anything else (unknown, removed, half-installed) is missing.
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    if [[ "${status:1:1}" != "i" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

# Installs whatever is missing. apt-get runs only when something is missing.
# Every failure ends the script with one line on stderr (apt-get's own output
# goes to a log file, named in that line). ZMTP_SKIP_DEPS=1 skips the check,
# for machines that are not Debian but have the tools.
zmtp_ensure_packages() {
  local me=${0##*/}
  if [[ "${ZMTP_SKIP_DEPS:-0}" == 1 ]]; then
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "$me: dpkg-query not found: this script installs Debian 12 packages (set ZMTP_SKIP_DEPS=1 to skip that step)" >&2
    exit 1
  fi

  local missing
  missing=$(zmtp_missing_packages | tr '\n' ' ')
  missing=${missing% }
  if [[ -z "$missing" ]]; then
    return 0
  fi

  if [[ "$(id -u)" -ne 0 ]]; then
    echo "$me: missing Debian packages ($missing); run as root, or first: sudo apt-get install $missing" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$me: missing Debian packages ($missing) and apt-get is not available" >&2
    exit 1
  fi

  local log
  log=$(mktemp "${TMPDIR:-/tmp}/zmtp-apt.XXXXXX.log")
  echo "== installing Debian packages: $missing (log: $log)"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg (e.g. unattended-upgrades on a fresh machine)
  # rather than failing at once on its lock.
  local apt=(apt-get -q -y -o DPkg::Lock::Timeout=600)
  if ! "${apt[@]}" update </dev/null >>"$log" 2>&1; then
    echo "$me: 'apt-get update' failed; see $log" >&2
    exit 1
  fi
  # shellcheck disable=SC2086  # $missing is a list of package names
  if ! "${apt[@]}" install --no-install-recommends $missing </dev/null >>"$log" 2>&1; then
    echo "$me: 'apt-get install $missing' failed; see $log" >&2
    exit 1
  fi
  missing=$(zmtp_missing_packages | tr '\n' ' ')
  missing=${missing% }
  if [[ -n "$missing" ]]; then
    echo "$me: still missing after apt-get install: $missing; see $log" >&2
    exit 1
  fi
}
