#!/usr/bin/env bash
# zabsim conform exits 3, not 1, when the real ensemble fails (here: no server JVM can
# start), says which file and why, prints no report, and leaves nothing behind. Exit 1 is
# kept for a difference between the two sides.
#   conform_real_failure_test.sh ZABSIM SCENARIO WORK
set -uo pipefail
zabsim=$1
scenario=$2
work=$3
rm -rf "$work"
mkdir -p "$work/run" "$work/bin"
java=$(command -v java)
cat > "$work/bin/java" <<SCRIPT
#!/bin/sh
case "\$*" in *QuorumPeerMain*) echo "no server today" >&2; exit 1 ;; esac
exec "$java" "\$@"
SCRIPT
chmod +x "$work/bin/java"
TMPDIR="$work/run" PATH="$work/bin:$PATH" "$zabsim" conform "$scenario" > "$work/out" 2>&1
code=$?
cat "$work/out"
failures=0
[ $code -eq 3 ] || { echo "FAIL: exit $code, expected 3"; failures=$((failures + 1)); }
grep -q "the real ensemble failed (exit status 3): server .* exited at start-up" "$work/out" ||
  { echo "FAIL: no message naming the failure"; failures=$((failures + 1)); }
grep -q "observations compared" "$work/out" && { echo "FAIL: a report was printed"; failures=$((failures + 1)); }
[ -z "$(ls -A "$work/run")" ] || { echo "FAIL: files left behind: $(ls -A "$work/run")"; failures=$((failures + 1)); }
[ $failures -eq 0 ] && echo "ok: exit 3 for a real ensemble that failed"
[ $failures -eq 0 ]
