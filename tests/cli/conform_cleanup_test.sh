#!/usr/bin/env bash
# zabsim conform leaves nothing behind (no process, no temporary file) after a normal run,
# a failing run (a client that dies while the servers run), Ctrl-C (SIGINT) and SIGTERM
# in the middle of a run. Every run goes through the quorum proxy and the preload library;
# with `--crash-disk lazyfs` as FLAGS, through a FUSE layer under each data directory too,
# which must leave no mount and no process behind either.
#   conform_cleanup_test.sh ZABSIM SCENARIO WORK [FLAGS...]
set -uo pipefail
zabsim=$1
scenario=$2
work=$3
shift 3
flags=("$@")
if [[ " ${flags[*]} " == *" lazyfs "* ]]; then
  [ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse for the FUSE layer"; exit 77; }
  [ "$(id -u)" -eq 0 ] || command -v fusermount3 >/dev/null ||
    { echo "SKIP: not root, and no fusermount3 (fuse3) to mount the FUSE layer"; exit 77; }
fi
rm -rf "$work"
mkdir -p "$work"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# servers DIR: the pids of the server JVMs and CLIs a run in DIR started: tagged with its
# directory, or carrying the preload library's settings for it (every server JVM, which
# runs the quorum proxy's redirections and the disk control). The patterns' brackets keep
# grep from finding its own command line. The proxy itself is a thread of zabsim conform.
servers() {
  {
    grep -l -a -E "zabsim[.]conform[.]dir=$1" /proc/[0-9]*/cmdline 2>/dev/null
    grep -l -a -E "ZABSIM_CONFORM_DISK=$1" /proc/[0-9]*/environ 2>/dev/null
  } | cut -d/ -f3 | sort -u
}

# layers DIR: the FUSE layers of a run in DIR (their command line names its directories).
layers() {
  grep -l -a -E "$1/zabsim[-]conform" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 | sort -u
}

# mounts DIR: what is mounted in DIR.
mounts() {
  grep -F " $1/" /proc/mounts | cut -d' ' -f2
}

check_clean() {
  local what=$1 dir=$2
  local left mounted
  left=$( (servers "$dir"; layers "$dir") | sort -u)
  mounted=$(mounts "$dir")
  [ -z "$left" ] || fail "$what: processes left behind: $left"
  [ -z "$mounted" ] || fail "$what: mounts left behind: $mounted"
  [ -z "$(ls -A "$dir")" ] || fail "$what: files left behind: $(ls -A "$dir")"
  [ -n "$left$mounted" ] || [ -n "$(ls -A "$dir")" ] || echo "ok: $what left nothing behind"
}

# 1. A normal run.
mkdir -p "$work/normal"
TMPDIR="$work/normal" "$zabsim" conform "${flags[@]}" "$scenario" > "$work/normal.out" 2>&1
code=$?
[ $code -eq 0 ] || fail "normal run: exit $code, expected 0: $(cat "$work/normal.out")"
check_clean "a normal run" "$work/normal"

# 2. A failing run: every ZooKeeper CLI dies at once, the servers being up; the run
# reports the differences and fails.
mkdir -p "$work/failing" "$work/bin"
java=$(command -v java)
cat > "$work/bin/java" <<SCRIPT
#!/bin/sh
case "\$*" in *ZooKeeperMain*) exit 3 ;; esac
exec "$java" "\$@"
SCRIPT
chmod +x "$work/bin/java"
TMPDIR="$work/failing" PATH="$work/bin:$PATH" "$zabsim" conform "${flags[@]}" "$scenario" > "$work/failing.out" 2>&1
code=$?
[ $code -eq 1 ] || fail "failing run: exit $code, expected 1: $(cat "$work/failing.out")"
grep -q "DIFFERS" "$work/failing.out" || fail "failing run: no difference reported"
check_clean "a failing run" "$work/failing"

# 3 and 4. SIGINT (what Ctrl-C sends) and SIGTERM once the servers are up.
for signal in INT TERM; do
  dir="$work/sig$signal"
  mkdir -p "$dir"
  TMPDIR="$dir" "$zabsim" conform "${flags[@]}" "$scenario" > "$work/sig$signal.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    [ "$(servers "$dir" | wc -l)" -ge 2 ] && break
    sleep 0.1
  done
  [ "$(servers "$dir" | wc -l)" -ge 2 ] || fail "SIG$signal: the servers never started"
  if [[ " ${flags[*]} " == *" lazyfs "* ]]; then
    [ -n "$(mounts "$dir")" ] || fail "SIG$signal: no FUSE layer mounted while the servers run"
  fi
  kill -"$signal" $pid
  wait $pid
  code=$?
  [ $code -eq 130 ] || fail "SIG$signal: exit $code, expected 130: $(cat "$work/sig$signal.out")"
  grep -q "interrupted; every server stopped" "$work/sig$signal.out" || fail "SIG$signal: no message"
  check_clean "SIG$signal" "$dir"
done

echo "4 runs checked, $failures failures"
[ $failures -eq 0 ]
