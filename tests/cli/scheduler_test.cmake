# --scheduler pct, end to end (docs/scheduler.md): a seed gives one run under PCT, twice
# the same, and another than under the default scheduler, whose runs stay as they were;
# the depth changes the run; a failing seed's replay command carries the scheduler's
# flags and replays it; PCT catches a bug-zoo bug on seeds where the default scheduler
# catches nothing; bad values are usage errors. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DWORK=dir -P scheduler_test.cmake

set(RUN_DIR ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/script_checks.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# The default scheduler is the one every golden fingerprint was taken with.
run(plain code ${ZABSIM} sim --seed 1 --brief)
expect(${code} 0 "sim --seed 1" "${plain}")
expect_in("9368b01240e60432" "the default scheduler's seed 1" "${plain}")
run(random code ${ZABSIM} sim --seed 1 --scheduler random --brief)
if(NOT random STREQUAL plain)
  message(FATAL_ERROR "--scheduler random is not the default: ${random} vs ${plain}")
endif()

# Same seed, same fingerprint, twice; another than the default's; the depth matters.
run(pct1 code ${ZABSIM} sim --seed 1 --scheduler pct --brief)
expect(${code} 0 "sim --scheduler pct" "${pct1}")
run(pct2 code ${ZABSIM} sim --seed 1 --scheduler pct --brief)
if(NOT pct1 STREQUAL pct2)
  message(FATAL_ERROR "the same seed under PCT gave two runs: ${pct1} vs ${pct2}")
endif()
if(pct1 STREQUAL plain)
  message(FATAL_ERROR "PCT changed nothing of seed 1: ${pct1}")
endif()
run(depth5 code ${ZABSIM} sim --seed 1 --scheduler pct --pct-depth 5 --brief)
if(depth5 STREQUAL pct1)
  message(FATAL_ERROR "--pct-depth 5 changed nothing: ${depth5}")
endif()

# PCT catches ZK-4646 at seed 6010; the default scheduler catches nothing in 6001..6020.
run(out code ${ZABSIM} hunt --zk master+fixes --bug ZK-4646 --seeds 6001..6020)
expect(${code} 1 "hunt ZK-4646, default scheduler" "${out}")
expect_in("nothing caught in 20 seeds" "hunt ZK-4646, default scheduler" "${out}")
run(out code ${ZABSIM} hunt --zk master+fixes --bug ZK-4646 --seeds 6001..6020 --scheduler pct)
expect(${code} 0 "hunt ZK-4646 --scheduler pct" "${out}")
expect_in("caught at seed 6010 after 10 seeds" "hunt ZK-4646 --scheduler pct" "${out}")

# A sweep's failing seed replays from the command it prints, scheduler flags included.
run(out code ${ZABSIM} sweep --zk master+fixes --bug ZK-4646 --seeds 6010..6010 --scheduler pct)
expect(${code} 1 "sweep --scheduler pct" "${out}")
set(replay "zabsim sim --zk=master+fixes --bug=ZK-4646 --scheduler=pct --pct-depth=3 --seed 6010")
expect_in("replay one: ${replay}" "sweep --scheduler pct" "${out}")
run(out code ${ZABSIM} sim --zk=master+fixes --bug=ZK-4646 --scheduler=pct --pct-depth=3 --seed 6010)
expect(${code} 1 "the replay command" "${out}")
expect_in("[truncation-keeps-committed]" "the replay command" "${out}")

# Bad values: exit 2, saying what was expected.
foreach(bad "--scheduler;fifo;expected 'random' or 'pct'"
            "--pct-depth;0;--pct-depth"
            "--pct-depth;11;--pct-depth")
  list(GET bad 0 flag)
  list(GET bad 1 value)
  list(GET bad 2 want)
  foreach(command sim sweep hunt)
    if(flag STREQUAL "--pct-depth")
      run(out code ${ZABSIM} ${command} --scheduler pct ${flag} ${value})
    else()
      run(out code ${ZABSIM} ${command} ${flag} ${value})
    endif()
    expect(${code} 2 "${command} ${flag} ${value}" "${out}")
    expect_in("${want}" "${command} ${flag} ${value}" "${out}")
  endforeach()
endforeach()
run(out code ${ZABSIM} sweep --pct-depth 4)
expect(${code} 2 "--pct-depth without --scheduler pct" "${out}")
expect_in("--pct-depth needs --scheduler pct" "--pct-depth without --scheduler pct" "${out}")
run(out code ${ZABSIM} sim --set sched.policy=pct)
expect(${code} 2 "--set sched.policy" "${out}")
expect_in("give it with --scheduler" "--set sched.policy" "${out}")
run(out code ${ZABSIM} sim --set sched.pct_window=-1ms --scheduler pct)
expect(${code} 2 "--set sched.pct_window=-1ms" "${out}")
run(out code ${ZABSIM} sweep --scenario nonexistent.scn --scheduler pct)
expect(${code} 2 "sweep --scenario --scheduler" "${out}")
expect_in("--scheduler with --scenario" "sweep --scenario --scheduler" "${out}")
