#!/usr/bin/env bash
# The package (cmake/packaging.cmake, docs/embedding.md), as an outside project meets it:
#   1. the tool and libraries configure with -DZABSIM_TESTS=OFF while GoogleTest,
#      RapidCheck and Benchmark are out of reach;
#   2. cmake --install puts the tool, headers, libraries and CMake package in a prefix;
#   3. each project of examples/ configures against that prefix, builds and runs, and
#      its check fires with the bug it can put in and stays quiet without;
#   4. cpack makes a .deb that holds the tool, the headers and the CMake package.
# Usage: package_test.sh SOURCE_DIR BUILD_DIR WORK_DIR [CXX_COMPILER]
# The examples are built with CXX_COMPILER (the build's own), else CMake's default.
set -euo pipefail
src=$1 build=$2 work=$3
compiler=()
[ $# -ge 4 ] && compiler=(-DCMAKE_CXX_COMPILER="$4")
rm -rf "$work"
mkdir -p "$work"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

fail() { echo "package_test: $*" >&2; exit 1; }

echo "== 1. configure with ZABSIM_TESTS=OFF, the test libraries out of reach"
cmake -S "$src" -B "$work/tool-only" "${generator[@]}" -DZABSIM_TESTS=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_rapidcheck=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >"$work/tool-only.log" 2>&1 ||
  { cat "$work/tool-only.log"; fail "configure with ZABSIM_TESTS=OFF failed"; }
targets=$(cmake --build "$work/tool-only" --target help)
grep -q 'zabsim' <<<"$targets" || fail "no zabsim target with ZABSIM_TESTS=OFF"
for t in sim_test scenario_test world_bench; do
  grep -q "$t" <<<"$targets" && fail "ZABSIM_TESTS=OFF still defines $t"
done

echo "== 2. cmake --install"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in bin/zabsim include/zabsim/sim/world.h include/zabsim/runner/check.h \
         include/zabsim/runner/sim_run.h lib/cmake/zabsim/zabsimConfig.cmake \
         lib/cmake/zabsim/zabsimConfigVersion.cmake lib/cmake/zabsim/zabsimTargets.cmake \
         share/zabsim/scenarios/happy-path.scn share/doc/zabsim/docs/embedding.md; do
  [ -e "$prefix/$f" ] || fail "cmake --install left out $f"
done
"$prefix/bin/zabsim" version
# What zabsim conform runs, where it looks for it once installed (LIBDIR/zabsim): the
# preload library, and the FUSE layer where libfuse3 let the build make it.
helpers=(libzabsim_conform_preload.so)
[ -e "$build/zabsim_conform_lazyfs" ] && helpers+=(zabsim_conform_lazyfs)
for h in "${helpers[@]}"; do
  [ -n "$(find "$prefix" -path "*/zabsim/$h")" ] || fail "cmake --install left out LIBDIR/zabsim/$h"
done

echo "== 3. the examples, built against the installed package"
for ex in acked-log own-check; do
  cmake -S "$src/examples/$ex" -B "$work/$ex" "${generator[@]}" "${compiler[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$work/$ex.log" 2>&1 || { cat "$work/$ex.log"; fail "$ex: configure failed"; }
  cmake --build "$work/$ex" >>"$work/$ex.log" 2>&1 || { cat "$work/$ex.log"; fail "$ex: build failed"; }
done
# expect STATUS COMMAND...: run COMMAND, show its output, and require its exit status.
expect() {
  local want=$1 got=0
  shift
  echo "\$ ${*#$work/}"
  "$@" || got=$?
  [ "$got" -eq "$want" ] || fail "${*#$work/}: exit status $got, expected $want"
}
expect 0 "$work/acked-log/acked_log" 4
expect 1 "$work/acked-log/acked_log" 4 --ack-before-fsync
expect 0 "$work/own-check/own_check" 10 1
expect 1 "$work/own-check/own_check" 1 1

echo "== 4. cpack -G DEB"
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/deb" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/deb/zabsim_*.deb)
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/zabsim ./usr/include/zabsim/sim/world.h ./usr/include/zabsim/runner/check.h \
         ./usr/lib/cmake/zabsim/zabsimConfig.cmake ./usr/lib/cmake/zabsim/zabsimTargets.cmake \
         ./usr/lib/libzabsim_runner.a ./usr/share/zabsim/scenarios/happy-path.scn; do
  grep -q " $f\$" <<<"$contents" || fail "the .deb does not hold $f"
done
dpkg-deb -f "$deb" Package Version Depends
echo "package_test: ok ($(basename "$deb"), $(grep -c . <<<"$contents") entries)"
