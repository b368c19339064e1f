# --knobs swarm, end to end: each seed draws its settings (runner/knobs.h) and reports
# them as flags, and those flags alone replay the run; across seeds every profile turns
# up, and so do the defaults; an explicit --set wins over a drawn knob; a bad value is a
# usage error; hunt reports each catch's knobs and stops minimizing at a short file. Run
# by ctest as
#   cmake -DZABSIM=path/to/zabsim -DWORK=dir -P knobs_test.cmake

set(RUN_DIR ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/script_checks.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# Seed 2 draws slow disks, wide latencies and SNAP syncs: its knobs line, as flags,
# replays it without --knobs.
run(out code ${ZABSIM} sim --seed 2 --knobs swarm --ops 20)
expect(${code} 0 "sim --knobs swarm" "${out}")
string(REGEX MATCH "knobs: ([^\n]*)" line "${out}")
if(NOT line)
  message(FATAL_ERROR "sim --knobs swarm printed no knobs line:\n${out}")
endif()
set(knobs "${CMAKE_MATCH_1}")
expect_in("--set=disk.fsync_latency=20ms..200ms" "seed 2's knobs" "${knobs}")
expect_in("--zab=txn_log_sync=0" "seed 2's knobs" "${knobs}")
separate_arguments(knob_flags UNIX_COMMAND "${knobs}")
run(drawn code ${ZABSIM} sim --seed 2 --knobs swarm --ops 20 --brief)
expect(${code} 0 "sim --knobs swarm --brief" "${drawn}")
run(given code ${ZABSIM} sim --seed 2 --ops 20 ${knob_flags} --brief)
expect(${code} 0 "sim with the knobs as flags" "${given}")
run(plain code ${ZABSIM} sim --seed 2 --ops 20 --brief)
if(NOT drawn STREQUAL given)
  message(FATAL_ERROR "the knobs as flags do not replay the run: ${drawn} vs ${given}")
endif()
if(drawn STREQUAL plain)
  message(FATAL_ERROR "the drawn knobs changed nothing: ${drawn}")
endif()

# Across seeds, every profile and the defaults; the results file records the knobs.
run(out code ${ZABSIM} sweep --seeds 1..24 --knobs swarm --ops 10 --time 5s --quiet 20s
    --out knobs.jsonl)
file(READ ${WORK}/knobs.jsonl lines)
foreach(knob "disk.fsync_latency=20ms..200ms" "net.latency=1ms..200ms" "commit_log_count=5"
        "commit_log_count=1" "\"knobs\":\"\"")
  expect_in("${knob}" "sweep --knobs swarm results" "${lines}")
endforeach()

# An explicit setting wins: seed 2 no longer reports a drawn fsync latency.
run(out code ${ZABSIM} sim --seed 2 --knobs swarm --ops 20 --set disk.fsync_latency=1ms..2ms)
expect(${code} 0 "sim --knobs swarm --set" "${out}")
string(REGEX MATCH "knobs: [^\n]*" line "${out}")
string(FIND "${line}" "disk.fsync_latency" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "--set did not win over the drawn knob: ${line}")
endif()
expect_in("net.latency=1ms..200ms" "seed 2's other knobs" "${line}")

# hunt minimizes the first catch and stops there when its file is short.
run(out code ${ZABSIM} hunt --bug majority-is-half --knobs swarm --hunts 3 --seeds 1..20
    --minimize found)
expect(${code} 0 "hunt --knobs swarm --minimize" "${out}")
expect_in("knobs: " "hunt --knobs swarm" "${out}")
string(REGEX MATCHALL "minimized: " minimized "${out}")
list(LENGTH minimized n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "hunt minimized ${n} catches, not just the first (short) one:\n${out}")
endif()

run(out code ${ZABSIM} sim --knobs sometimes)
expect(${code} 2 "--knobs sometimes" "${out}")
expect_in("--knobs 'sometimes': expected 'fixed' or 'swarm'" "--knobs sometimes" "${out}")
