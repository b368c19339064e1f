#!/usr/bin/env bash
# zabsim's one entry point for building and testing, on Debian 12.
#
#   ./build.sh run [ZABSIM ARGS]   install what is missing, build, run zabsim (the main job)
#   ./build.sh test [CTEST ARGS]   install what is missing, build, run the whole test suite
#                                  (e.g. -LE 'conformance|browser': without the slow labels,
#                                  whose packages are then not installed)
#   ./build.sh asan                the test suite built with clang under AddressSanitizer +
#                                  UndefinedBehaviorSanitizer (-O1, asserts on),
#                                  without the conformance, browser and package labels
#   ./build.sh clang               the test suite built with clang, -O1 (golden fingerprints must match),
#                                  without the conformance and browser labels
#   ./build.sh bench               Release build, then the Google Benchmark programs
#   ./build.sh package             the tool and libraries alone (Abseil and fmt only), then
#                                  a .deb (docs/embedding.md)
#
# Every mode is idempotent: packages are installed only when missing, CMake configures a
# build directory only once, and ninja rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"

# The tool and its libraries need only these ...
TOOL_PACKAGES=(cmake ninja-build g++ libabsl-dev libfmt-dev)
# ... the tests and benchmarks these too.
PACKAGES=("${TOOL_PACKAGES[@]}" libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
          python3 python3-yaml libxml2-utils)
# The test suite also opens the HTML trace viewer in headless Chromium (browser.viewer).
TEST_PACKAGES=(chromium chromium-driver)
# The conformance tests (ctest -L conformance, docs/conformance.md) run a real Apache
# ZooKeeper 3.8 ensemble: the server jars (with Java), log4j 1.2 and slf4j's bindings; and
# libfuse3 for the FUSE layer of --crash-disk lazyfs (built only where it is found).
CONFORMANCE_PACKAGES=(zookeeper liblog4j1.2-java libslf4j-java fuse3 libfuse3-dev)

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "build.sh: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# build DIR [CMAKE ARGS...]: configure DIR once, then build it.
build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S . -B "$dir" -G Ninja "${launcher[@]}" "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$(nproc)"
}

# run_tests DIR [CTEST ARGS]
run_tests() {
  local dir=$1
  shift
  (cd "$dir" && ctest --output-on-failure -j "$(nproc)" "$@")
}

# test_packages [CTEST ARGS]: the packages the tests need, less those of a label that
# -LE REGEX leaves out (browser: Chromium; conformance: ZooKeeper and Java).
test_packages() {
  local skip=""
  while (($#)); do
    if [ "$1" = "-LE" ] && (($# > 1)); then skip=$2; shift; fi
    shift
  done
  local packages=("${PACKAGES[@]}")
  [[ -n "$skip" && browser =~ $skip ]] || packages+=("${TEST_PACKAGES[@]}")
  [[ -n "$skip" && conformance =~ $skip ]] || packages+=("${CONFORMANCE_PACKAGES[@]}")
  echo "${packages[@]}"
}

# The asan and clang modes are unity builds (cmake/unity_build.cmake): half the compile
# time, for builds that CI makes from scratch.
CI_FLAGS=(-DCMAKE_UNITY_BUILD=ON)

mode=${1:-run}
[ $# -gt 0 ] && shift
case "$mode" in
  run)
    install_missing "${PACKAGES[@]}"
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
    exec build/zabsim "$@"
    ;;
  test)
    # shellcheck disable=SC2046 # One package name per word.
    install_missing $(test_packages "$@")
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    run_tests build "$@"
    ;;
  asan)
    # Without the slow labels too: they spend their time waiting for JVMs and Chromium;
    # the harness's own code (the quorum proxy, the plan, the report) runs under the
    # sanitizers in its unit tests, and the default mode runs the labels. Nor the package
    # label: it installs the libraries and builds the examples against them, which the
    # default mode checks, and sanitizers add nothing to.
    # Built with clang as a unity build (cmake/unity_build.cmake), at -O1 with asserts on
    # (Debug, less -O0), to keep .ci/run under 30 minutes on 2 cores: from scratch, this
    # build took 6m22s and its tests 149 s (2026-12-08), where g++ at -O0 ran the tests
    # alone for 825 s. g++ builds the default mode.
    install_missing "${PACKAGES[@]}" clang
    build build-asan -DCMAKE_BUILD_TYPE=Debug "${CI_FLAGS[@]}" -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" \
      "-DCMAKE_C_FLAGS_DEBUG=-O1 -gline-tables-only" -DZABSIM_SANITIZE=ON -DZABSIM_BENCH=OFF
    run_tests build-asan -LE 'conformance|browser|package'
    ;;
  clang)
    # Without the slow labels: a real ZooKeeper ensemble and Chromium test nothing that
    # depends on the compiler, and the default and asan modes run them.
    install_missing "${PACKAGES[@]}" clang
    build build-clang -DCMAKE_BUILD_TYPE=Debug "${CI_FLAGS[@]}" -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_DEBUG=-O1 -DCMAKE_C_FLAGS_DEBUG=-O1 \
      -DZABSIM_BENCH=OFF
    run_tests build-clang -LE 'conformance|browser'
    ;;
  bench)
    install_missing "${PACKAGES[@]}"
    build build-release -DCMAKE_BUILD_TYPE=Release
    for b in build-release/bench/*_bench; do "$b" "$@"; done
    ;;
  package)
    install_missing "${TOOL_PACKAGES[@]}"
    build build-package -DCMAKE_BUILD_TYPE=Release -DZABSIM_TESTS=OFF
    (cd build-package && cpack -G DEB)
    ;;
  *)
    echo "usage: ./build.sh run|test|asan|clang|bench|package [ARGS]" >&2
    exit 2
    ;;
esac
