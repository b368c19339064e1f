# The trace file, end to end: --trace writes the same bytes on every run, and another
# program (docs/examples/recheck.py, which shares no code with zabsim) re-checks a run's
# safety from the JSON Lines file alone: quiet on a correct run, loud on a broken one.
# Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DPYTHON=python3 -DSOURCE=repo -DWORK=dir -P trace_test.cmake

set(RUN_DIR ${SOURCE})
include(${CMAKE_CURRENT_LIST_DIR}/script_checks.cmake)

file(MAKE_DIRECTORY ${WORK})
set(recheck ${SOURCE}/docs/examples/recheck.py)

# A correct run: the simulator and the re-check agree that it is safe.
foreach(format jsonl text)
  foreach(n 1 2)
    run(out code ${ZABSIM} sim --seed 3 --ops 40 --trace ${WORK}/ok${n}.${format} --format ${format})
    expect(${code} 0 "zabsim sim --seed 3 --format ${format}" "${out}")
  endforeach()
  file(SHA256 ${WORK}/ok1.${format} first)
  file(SHA256 ${WORK}/ok2.${format} second)
  if(NOT first STREQUAL second)
    message(FATAL_ERROR "two --trace runs of seed 3 (${format}) wrote different bytes")
  endif()
endforeach()
file(STRINGS ${WORK}/ok1.jsonl header LIMIT_COUNT 1)
expect_in("{\"format\":\"zabsim-trace\",\"version\":1," "the header" "${header}")
run(out code ${PYTHON} ${recheck} ${WORK}/ok1.jsonl)
expect(${code} 0 "recheck of seed 3" "${out}")
expect_in("recheck: ok" "recheck of seed 3" "${out}")

# A broken run (ZOOKEEPER-4925 put back): both must see the divergence.
run(out code ${ZABSIM} sim --bug ZK-4925 --seed 11 --trace ${WORK}/bad.jsonl --format jsonl)
expect(${code} 1 "zabsim sim --bug ZK-4925 --seed 11" "${out}")
file(STRINGS ${WORK}/bad.jsonl verdicts REGEX "\"k\":\"verdict\",\"check\":\"digest-agreement\",\"ok\":false")
if(NOT verdicts)
  message(FATAL_ERROR "bad.jsonl: expected a failed digest-agreement verdict record")
endif()
run(out code ${PYTHON} ${recheck} ${WORK}/bad.jsonl)
expect(${code} 1 "recheck of ZK-4925 seed 11" "${out}")
expect_in("digest-agreement: VIOLATED" "recheck of ZK-4925 seed 11" "${out}")

# A scenario's trace, through zabsim run.
run(out code ${ZABSIM} run --trace ${WORK}/scenario.jsonl --format jsonl scenarios/happy-path.scn)
expect(${code} 0 "zabsim run --trace" "${out}")
run(out code ${PYTHON} ${recheck} ${WORK}/scenario.jsonl)
expect(${code} 0 "recheck of happy-path.scn" "${out}")
file(READ ${WORK}/scenario.jsonl scenario_head LIMIT 300)
expect_in("\"source\":\"run\",\"scenario\":\"scenarios/happy-path.scn\"" "the scenario's header"
          "${scenario_head}")

# A scenario's 'check liveness=' writes the liveness verdicts into the trace: liveness
# holds but a stall is reported (accepted-epoch-stall.scn), liveness fails with no stall
# (bug-reuse-epoch.scn), and a scenario that never checks liveness has no such verdict.
function(verdicts_of scenario out_var)
  run(out code ${ZABSIM} run --trace ${WORK}/${scenario}.jsonl --format jsonl scenarios/${scenario}.scn)
  expect(${code} 0 "zabsim run --trace scenarios/${scenario}.scn" "${out}")
  file(STRINGS ${WORK}/${scenario}.jsonl found REGEX "\"k\":\"verdict\",\"check\":\"(liveness|accepted-epoch-stall)\"")
  set(${out_var} "${found}" PARENT_SCOPE)
endfunction()
verdicts_of(accepted-epoch-stall stall)
expect_in("\"check\":\"liveness\",\"ok\":true" "accepted-epoch-stall.scn's liveness verdict" "${stall}")
expect_in("\"check\":\"accepted-epoch-stall\",\"ok\":false" "accepted-epoch-stall.scn's stall verdict" "${stall}")
verdicts_of(bug-reuse-epoch reuse)
expect_in("\"check\":\"liveness\",\"ok\":false" "bug-reuse-epoch.scn's liveness verdict" "${reuse}")
if(reuse MATCHES "accepted-epoch-stall")
  message(FATAL_ERROR "bug-reuse-epoch.scn: an accepted-epoch-stall verdict, but no stall: ${reuse}")
endif()
verdicts_of(happy-path none)
if(NOT none STREQUAL "")
  message(FATAL_ERROR "happy-path.scn checks no liveness, but its trace has: ${none}")
endif()
