#!/usr/bin/env bash
# zabsim conform --keep says what it leaves: the directory, its size and the txn logs'
# preallocation (64 MB each by default); the files it names are there, and so are the
# processes' absence.
#   conform_keep_test.sh ZABSIM SCENARIO WORK
set -uo pipefail
zabsim=$1
scenario=$2
work=$3
rm -rf "$work"
mkdir -p "$work/run"
TMPDIR="$work/run" "$zabsim" conform --keep "$scenario" > "$work/out" 2>&1
code=$?
cat "$work/out"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
[ $code -eq 0 ] || fail "exit $code, expected 0"
line=$(grep "^conform: kept " "$work/out")
[ -n "$line" ] || fail "no 'kept' message"
echo "$line" | grep -q "preallocated to 65536 KB" || fail "the message does not name the preallocation: $line"
echo "$line" | grep -q -E "[0-9.]+ MB in [0-9]+ files \([0-9.]+ MB on disk\)" || fail "no size: $line"
dir=$(echo "$line" | sed -e 's/^conform: kept \([^:]*\):.*/\1/')
logs=$(find "$dir" -name 'log.*' -size +60M | wc -l)
[ "$logs" -ge 1 ] || fail "no preallocated txn log in $dir"
grep -l -a -E "zabsim[.]conform[.]dir=$work" /proc/[0-9]*/cmdline 2>/dev/null && fail "processes left behind"
rm -rf "$work"
[ $failures -eq 0 ] && echo "ok: --keep says what it keeps"
[ $failures -eq 0 ]
