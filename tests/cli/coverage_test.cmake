# --coverage and --coverage-json on sim, sweep, hunt and run (docs/coverage.md), end to
# end: marks change no fingerprint (the golden one included) and no results file; without
# the flags nothing is printed; a sweep's merged counts on two threads equal the sum of
# the same seeds run one by one with 'zabsim sim'; bad uses are usage errors. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DGOLDEN=tests/golden/fingerprints.txt -DWORK=dir -P coverage_test.cmake

set(RUN_DIR ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/script_checks.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(expect_not_in fragment what out)
  string(FIND "${out}" "${fragment}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${what}: did not expect '${fragment}' in:\n${out}")
  endif()
endfunction()

# Counting marks changes no run: the golden fingerprint of sim seed 2, with and without.
file(STRINGS ${GOLDEN} golden REGEX "^sim 2 ")
string(REGEX REPLACE "^sim 2 " "" golden "${golden}")
run(plain code ${ZABSIM} sim --seed 2 --brief)
expect(${code} 0 "sim --seed 2 --brief" "${plain}")
run(covered code ${ZABSIM} sim --seed 2 --brief --coverage)
expect(${code} 0 "sim --seed 2 --brief --coverage" "${covered}")
string(REGEX MATCH "^[0-9a-f]+" first "${covered}")
if(NOT plain STREQUAL "${golden}\n" OR NOT first STREQUAL golden)
  message(FATAL_ERROR "--coverage moved the fingerprint: golden ${golden}, without '${plain}', with '${first}'")
endif()
expect_in("coverage: " "sim --brief --coverage" "${covered}")

# The full summary: the same lines, then the coverage; without the flag, no coverage.
run(plain code ${ZABSIM} sim --seed 3)
run(covered code ${ZABSIM} sim --seed 3 --coverage)
expect_not_in("coverage" "sim without --coverage" "${plain}")
string(FIND "${covered}" "coverage marks hit" at)
string(SUBSTRING "${covered}" 0 ${at} before)
string(REGEX REPLACE "wall: [^\n]*\n" "" before "${before}")
string(REGEX REPLACE "wall: [^\n]*\n" "" plain "${plain}")
if(NOT before STREQUAL plain)
  message(FATAL_ERROR "sim --coverage changed the summary:\n${plain}\n---\n${before}")
endif()
expect_in("coverage marks never hit:" "sim --coverage" "${covered}")
expect_in("  newleader.leader.established " "sim --coverage" "${covered}")
expect_in(" of 126 marks hit" "sim --coverage" "${covered}")

# sim --json --coverage: one more field in the object.
run(out code ${ZABSIM} sim --seed 3 --json --coverage)
expect(${code} 0 "sim --json --coverage" "${out}")
string(JSON hit GET "${out}" coverage hit)
string(JSON runs GET "${out}" coverage runs)
if(hit LESS 10 OR NOT runs EQUAL 1)
  message(FATAL_ERROR "sim --json --coverage: hit ${hit}, runs ${runs}:\n${out}")
endif()

# A sweep on two threads: its merged counts are the sum of the seeds run one at a time,
# and its results file is the same with and without --coverage.
run(out code ${ZABSIM} sweep --seeds 1..20 --jobs 2 --out plain.jsonl)
run(out code ${ZABSIM} sweep --seeds 1..20 --jobs 2 --out covered.jsonl --coverage --coverage-json sweep.json)
expect_in("coverage: " "sweep --coverage" "${out}")
file(READ ${WORK}/plain.jsonl plain_lines)
file(READ ${WORK}/covered.jsonl covered_lines)
if(NOT plain_lines STREQUAL covered_lines)
  message(FATAL_ERROR "sweep --coverage changed the results file")
endif()
file(READ ${WORK}/sweep.json sweep)
string(JSON runs GET "${sweep}" runs)
expect(${runs} 20 "runs in sweep.json" "${sweep}")
string(JSON marks LENGTH "${sweep}" counts)
math(EXPR last "${marks} - 1")
foreach(i RANGE ${last})
  set(sum_${i} 0)
  string(JSON name_${i} MEMBER "${sweep}" counts ${i})
endforeach()
foreach(seed RANGE 1 20)
  run(out code ${ZABSIM} sim --seed ${seed} --brief --coverage-json sim-${seed}.json)
  file(READ ${WORK}/sim-${seed}.json one)
  foreach(i RANGE ${last})
    string(JSON n GET "${one}" counts ${name_${i}})
    math(EXPR sum_${i} "${sum_${i}} + ${n}")
  endforeach()
endforeach()
set(differ "")
set(nonzero 0)
foreach(i RANGE ${last})
  string(JSON n GET "${sweep}" counts ${name_${i}})
  if(NOT n EQUAL sum_${i})
    string(APPEND differ "  ${name_${i}}: sweep ${n}, sum of sims ${sum_${i}}\n")
  endif()
  if(n GREATER 0)
    math(EXPR nonzero "${nonzero} + 1")
  endif()
endforeach()
if(NOT differ STREQUAL "")
  message(FATAL_ERROR "the sweep's merged coverage differs from the sum of 20 sims:\n${differ}")
endif()
string(JSON hit GET "${sweep}" hit)
expect(${hit} ${nonzero} "hit in sweep.json" "${sweep}")

# Without the flags, the sweep prints no coverage.
run(out code ${ZABSIM} sweep --seeds 1..2)
expect_not_in("coverage" "sweep without --coverage" "${out}")

# hunt counts the seeds it ran: a bug switch's mark is there.
run(out code ${ZABSIM} hunt --bug majority-is-half --seeds 1..5 --coverage)
expect(${code} 0 "hunt --coverage" "${out}")
expect_in("  bug.majority-is-half " "hunt --coverage" "${out}")
run(out code ${ZABSIM} hunt --seeds 1..2 --coverage)
expect_in("coverage marks hit, over 2 runs" "hunt --coverage, nothing caught" "${out}")

# run: a scenario's marks.
run(out code ${ZABSIM} run --coverage ${CMAKE_CURRENT_LIST_DIR}/../../scenarios/sync-trunc.scn)
expect(${code} 0 "run --coverage" "${out}")
expect_in("  sync.trunc " "run --coverage sync-trunc.scn" "${out}")
expect_in("  sync.trunc.peer-ahead " "run --coverage sync-trunc.scn" "${out}")

# Usage errors.
run(out code ${ZABSIM} sim --seed 1 --coverage-json no/such/dir/c.json)
expect(${code} 2 "--coverage-json into a missing directory" "${out}")
expect_in("--coverage-json" "--coverage-json into a missing directory" "${out}")
run(out code ${ZABSIM} run --json --coverage ${CMAKE_CURRENT_LIST_DIR}/../../scenarios/sync-trunc.scn)
expect(${code} 2 "run --json --coverage" "${out}")
