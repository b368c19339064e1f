# No result is lost, and none is half-written (runner/output_file.h): a write that fails
# fails the command; an existing file survives a command that fails before it finishes;
# a command with nothing to do says so. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DSOURCE=repo -DWORK=dir [-DSANITIZED=1] -P outputs_test.cmake

set(RUN_DIR ${SOURCE})
include(${CMAKE_CURRENT_LIST_DIR}/script_checks.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# A full disk: the trace, the results and standard output.
if(EXISTS /dev/full)
  run(out code ${ZABSIM} sim --seed 1 --ops 5 --trace /dev/full)
  expect(${code} 2 "zabsim sim --trace /dev/full" "${out}")
  expect_in("--trace: cannot write /dev/full: write failed: No space left on device" "sim --trace /dev/full" "${out}")
  run(out code ${ZABSIM} run --trace /dev/full scenarios/happy-path.scn)
  expect(${code} 2 "zabsim run --trace /dev/full" "${out}")
  run(out code ${ZABSIM} sweep --seeds 1..2 --ops 5 --out /dev/full)
  expect(${code} 2 "zabsim sweep --out /dev/full" "${out}")
  expect_in("--out: cannot write /dev/full" "sweep --out /dev/full" "${out}")
  execute_process(COMMAND ${ZABSIM} sim --seed 1 --ops 5 OUTPUT_FILE /dev/full ERROR_VARIABLE err
                  RESULT_VARIABLE code)
  expect(${code} 2 "zabsim sim > /dev/full" "${err}")
  expect_in("cannot write standard output" "zabsim sim > /dev/full" "${err}")
endif()

# An existing results file survives, byte for byte, a sweep that fails on a bad flag or
# setting; a sweep that finishes replaces it whole and leaves no temporary file.
set(results ${WORK}/results.jsonl)
file(WRITE ${results} "{\"seed\":1,\"kept\":true}\n")
foreach(bad "--seeds=5..1" "--set=bogus=1" "--zab=voters=5" "--set=seed=5" "--time=7200s")
  run(out code ${ZABSIM} sweep --seeds 1..2 --out ${results} ${bad})
  expect(${code} 2 "zabsim sweep --out results.jsonl ${bad}" "${out}")
  file(READ ${results} kept)
  if(NOT kept STREQUAL "{\"seed\":1,\"kept\":true}\n")
    message(FATAL_ERROR "sweep ... ${bad}: results.jsonl changed to:\n${kept}")
  endif()
endforeach()
run(out code ${ZABSIM} sweep --seeds 1..2 --ops 5 --out ${results})
expect(${code} 0 "zabsim sweep --out results.jsonl" "${out}")
file(STRINGS ${results} lines)
list(LENGTH lines n)
expect(${n} 2 "results.jsonl after a sweep of 2 seeds" "${lines}")
file(GLOB left ${WORK}/.*)
if(left)
  message(FATAL_ERROR "temporary files left behind: ${left}")
endif()

# A trace is written whole or not at all: a run stopped by an error leaves no file.
run(out code ${ZABSIM} sim --seed 1 --ops 5 --trace ${WORK}/t.jsonl --format jsonl --peers 99)
expect(${code} 2 "zabsim sim --peers 99" "${out}")
if(EXISTS ${WORK}/t.jsonl)
  message(FATAL_ERROR "sim --peers 99 failed, yet left ${WORK}/t.jsonl")
endif()

# Nothing to run is an error, not "ok (0 commands)".
file(WRITE ${WORK}/empty.scn "# only a comment\n")
run(out code ${ZABSIM} run ${WORK}/empty.scn)
expect(${code} 2 "zabsim run of a file without commands" "${out}")
expect_in("expected a command (a scenario starts with 'cluster'), found none" "run empty.scn" "${out}")
run(out code ${ZABSIM} run ${WORK})
expect(${code} 2 "zabsim run DIRECTORY" "${out}")
expect_in("expected a scenario file, found a directory" "run DIRECTORY" "${out}")

# A range of seeds of any size starts at once, in bounded memory (the seeds are counted,
# not listed): still running after two seconds under a 1 GB address-space limit, where
# listing them would need 8 GB. (Sanitizers reserve more address space than any limit.)
if(NOT SANITIZED)
  execute_process(COMMAND sh -c "ulimit -v 1000000 && exec '${ZABSIM}' sweep --seeds 1..1000000000 --ops 5"
                  TIMEOUT 2 OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  if(NOT code MATCHES "timeout")
    message(FATAL_ERROR "sweep --seeds 1..1000000000 under ulimit -v 1000000 ended: ${code}\n${out}${err}")
  endif()
endif()
