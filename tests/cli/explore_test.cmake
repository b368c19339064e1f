# zabsim explore, end to end (docs/explore.md): with the switch commit-without-quorum the
# search finds a run that breaks leader-completeness and writes it as a scenario that
# 'zabsim run' fails on the same check; without the switch the same search covers every
# run within its bounds and says so; bad flags are usage errors. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DWORK=dir -P explore_test.cmake

set(RUN_DIR ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/script_checks.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# Must fire: the bug switch, found and written.
run(out code ${ZABSIM} explore --voters 3 --bug commit-without-quorum --out cx.scn)
expect(${code} 1 "explore with commit-without-quorum" "${out}")
expect_in("violation after" "explore with commit-without-quorum" "${out}")
expect_in("leader-completeness" "explore with commit-without-quorum" "${out}")
if(NOT EXISTS ${WORK}/cx.scn)
  message(FATAL_ERROR "explore --out cx.scn wrote no file:\n${out}")
endif()
run(out code ${ZABSIM} run cx.scn)
expect(${code} 1 "zabsim run on the counterexample" "${out}")
expect_in("[leader-completeness]" "zabsim run on the counterexample" "${out}")
# The replay is deterministic: the same fingerprint twice.
string(REGEX MATCH "fingerprint [0-9a-f]+" first "${out}")
run(out code ${ZABSIM} run cx.scn)
string(REGEX MATCH "fingerprint [0-9a-f]+" second "${out}")
if(NOT first STREQUAL second OR first STREQUAL "")
  message(FATAL_ERROR "the counterexample replays differently: '${first}' then '${second}'")
endif()
# Without the switch the same steps break nothing: the violation is the switch's doing.
file(READ ${WORK}/cx.scn text)
string(REPLACE " bug=commit-without-quorum" "" text "${text}")
file(WRITE ${WORK}/cx-off.scn "${text}")
run(out code ${ZABSIM} run cx-off.scn)
expect(${code} 0 "the counterexample without the switch" "${out}")

# Stays quiet: the same search without the switch covers its bounds, exit 0.
run(out code ${ZABSIM} explore --voters 3 --deviations 1)
expect(${code} 0 "explore without a switch" "${out}")
expect_in("all runs of 3 voters, 1 client, 1 write, at most 1 crash" "explore without a switch" "${out}")
expect_in("no violation" "explore without a switch" "${out}")
# A search stopped by its state bound says how far it got, and that it stopped.
run(out code ${ZABSIM} explore --voters 3 --from start --deviations any --depth 40 --max-states 300)
expect(${code} 0 "explore stopped by --max-states" "${out}")
expect_in("stopped at --max-states 300: all runs of 3 voters" "explore stopped by --max-states" "${out}")

# Usage errors name the flag.
run(out code ${ZABSIM} explore --voters 3 --writes 0 --crashes 1 --restarts 1 --reorders 0)
expect(${code} 0 "explore with no reorder" "${out}")
expect_in("at most 1 crash and 1 restart, at most 0 steps out of time order, from the point" "explore with no reorder" "${out}")
run(out code ${ZABSIM} explore --voters 3 --writes 0 --deviations 1 --every-fault-point --timers-when-quiet --depth 20)
expect(${code} 0 "explore with every fault point, time passing when quiet" "${out}")
expect_in("depth <= 20, at most 1 deviation from time order" "explore with every fault point" "${out}")
run(out code ${ZABSIM} explore --reorders lots)
expect(${code} 2 "explore --reorders lots" "${out}")
expect_in("--reorders 'lots'" "explore --reorders lots" "${out}")

run(out code ${ZABSIM} explore --deviations lots)
expect(${code} 2 "explore --deviations lots" "${out}")
expect_in("--deviations" "explore --deviations lots" "${out}")
run(out code ${ZABSIM} explore --from nowhere)
expect(${code} 2 "explore --from nowhere" "${out}")
expect_in("expected start, leader or converged" "explore --from nowhere" "${out}")
run(out code ${ZABSIM} explore --bug no-such-bug)
expect(${code} 2 "explore --bug no-such-bug" "${out}")
run(out code ${ZABSIM} explore --voters 3 --bug commit-without-quorum --out no/such/dir/cx.scn)
expect(${code} 2 "explore --out into a missing directory" "${out}")

# The scenario command `step` names what is pending when the event named is not.
file(WRITE ${WORK}/bad-step.scn "cluster voters=3\n\nstep deliver 9>9 PING\n")
run(out code ${ZABSIM} run bad-step.scn)
expect(${code} 2 "a step that names no pending event" "${out}")
expect_in("no pending event 'deliver 9>9 PING'; pending now:" "a step that names no pending event" "${out}")
expect_in("step start 1" "a step that names no pending event" "${out}")
