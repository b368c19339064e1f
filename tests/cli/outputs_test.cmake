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

# A run too large for its memory cap stops with a message and exit 2, never an abort:
# under --max-memory, under 'ulimit -v', and on a sweep's worker thread, which leaves an
# existing results file as it was. A run that fits is unchanged by the cap.
if(NOT SANITIZED)
  set(big --voters 15 --observers 15 --clients 50 --ops 100000 --time 300s --quiet 0s --faults none)
  run(out code ${ZABSIM} sim ${big} --max-memory 64M)
  expect(${code} 2 "sim over --max-memory" "${out}")
  expect_in("zabsim: out of memory: this run needs more than 64 MiB (--max-memory=64M)" "sim over --max-memory" "${out}")
  string(JOIN " " big_words ${big})
  run(out code sh -c "ulimit -v 120000 && exec '${ZABSIM}' sim ${big_words}")
  expect(${code} 2 "sim over ulimit -v" "${out}")
  expect_in("(the address-space limit, 'ulimit -v', in force)" "sim over ulimit -v" "${out}")
  file(WRITE ${results} "{\"seed\":1,\"kept\":true}\n")
  run(out code ${ZABSIM} sweep --seeds 1..2 --jobs 2 ${big} --max-memory 100M --out ${results})
  expect(${code} 2 "sweep over --max-memory" "${out}")
  expect_in("out of memory" "sweep over --max-memory" "${out}")
  file(READ ${results} kept)
  if(NOT kept STREQUAL "{\"seed\":1,\"kept\":true}\n")
    message(FATAL_ERROR "a sweep that ran out of memory changed its --out file:\n${kept}")
  endif()
  # A scenario's memory does not grow with what a command shows: 30 servers and 50
  # clients for 30 s, which took 1.1 GB when the runner kept every record of a command
  # until it ended, fit in 256 MiB (50 MiB measured).
  file(WRITE ${WORK}/big.scn "cluster voters=15 observers=15 clients=50 workload=100000\n----\n"
       "cluster: 15 voters, 15 observers, 50 clients, seed 1\n\nrun for=30s show=none\n----\nok\n")
  run(out code ${ZABSIM} run --max-memory 256M ${WORK}/big.scn)
  expect(${code} 0 "run of 30 servers for 30 s under --max-memory 256M" "${out}")
  run(small code ${ZABSIM} sim --seed 3 --brief --max-memory 256M)
  run(free code ${ZABSIM} sim --seed 3 --brief --max-memory 0)
  expect(${code} 0 "sim --max-memory 0" "${free}")
  if(NOT small STREQUAL free)
    message(FATAL_ERROR "--max-memory changed a run that fits:\n${small}\n${free}")
  endif()
endif()
run(out code ${ZABSIM} sim --max-memory 12x)
expect(${code} 2 "--max-memory 12x" "${out}")
expect_in("--max-memory: invalid size '12x'" "--max-memory 12x" "${out}")
run(out code ${ZABSIM} sim --max-memory 1M)
expect(${code} 2 "--max-memory 1M" "${out}")
