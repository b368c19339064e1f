# The CI-native outputs (docs/ci.md): --junit on sweep, hunt and run checked against the
# JUnit schema (tests/cli/junit.xsd, with xmllint), a failure element for each failing
# seed; --json on sim and run read back with CMake's JSON parser; hunt's deprecated
# spellings still work and say what to use. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DSCHEMA=junit.xsd -DSOURCE=dir -DWORK=dir -P reports_test.cmake

set(RUN_DIR ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/script_checks.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# valid(FILE WHAT): FILE is JUnit XML as the schema has it.
function(valid file what)
  run(out code xmllint --noout --schema ${SCHEMA} ${file})
  expect(${code} 0 "${what}: the schema check" "${out}")
endfunction()

# count(VAR TEXT FRAGMENT): how often FRAGMENT appears in TEXT.
function(count var text fragment)
  string(REGEX MATCHALL "${fragment}" all "${text}")
  list(LENGTH all n)
  set(${var} ${n} PARENT_SCOPE)
endfunction()

# --- sweep --junit: a test case per seed, a failure for each failing seed.
run(out code ${ZABSIM} sweep --seeds 1..50 --zk master+fixes --junit clean.xml)
expect(${code} 0 "sweep 1..50 on master+fixes" "${out}")
valid(clean.xml "a clean sweep's report")
file(READ ${WORK}/clean.xml xml)
count(cases "${xml}" "<testcase ")
count(failures "${xml}" "<failure ")
if(NOT cases EQUAL 50 OR NOT failures EQUAL 0)
  message(FATAL_ERROR "clean sweep: ${cases} test cases and ${failures} failures, expected 50 and 0:\n${xml}")
endif()
expect_in("<testcase classname=\"zabsim.sweep\" name=\"seed 50\"/>" "clean sweep" "${xml}")

run(out code ${ZABSIM} sweep --seeds 1..50 --zk master+fixes --bug majority-is-half --jobs 2 --junit bug.xml)
expect(${code} 1 "sweep 1..50 with majority-is-half" "${out}")
valid(bug.xml "a failing sweep's report")
file(READ ${WORK}/bug.xml xml)
count(cases "${xml}" "<testcase ")
count(failures "${xml}" "<failure ")
# The summary's list of failing seeds and the report's failures are the same seeds.
string(REGEX MATCH "failed seeds: ([0-9 ]+)" m "${out}")
string(REPLACE " " ";" failed_seeds "${CMAKE_MATCH_1}")
list(LENGTH failed_seeds n_failed)
if(NOT cases EQUAL 50 OR NOT failures EQUAL n_failed OR n_failed EQUAL 0)
  message(FATAL_ERROR "sweep with a bug: ${cases} test cases and ${failures} failures, expected 50 and "
                      "${n_failed}:\n${out}")
endif()
foreach(seed IN LISTS failed_seeds)
  expect_in("name=\"seed ${seed}\">\n      <failure type=" "the report of seed ${seed}" "${xml}")
  expect_in("replay: zabsim sim --zk=master+fixes --bug=majority-is-half --seed ${seed}\n"
            "the report of seed ${seed}" "${xml}")
endforeach()

# An unwritable report is a usage error before anything runs.
run(out code ${ZABSIM} sweep --seeds 1..2 --junit no/such/dir/r.xml)
expect(${code} 2 "--junit into a missing directory" "${out}")
expect_in("zabsim sweep: --junit:" "--junit into a missing directory" "${out}")

# --- hunt --junit: a hunt passes when it caught something, fails when it gave up.
run(out code ${ZABSIM} hunt --bug majority-is-half --hunts 2 --seeds 1..20 --junit hunt.xml)
expect(${code} 0 "hunt with majority-is-half" "${out}")
valid(hunt.xml "a hunt's report")
file(READ ${WORK}/hunt.xml xml)
expect_in("name=\"hunt 2 (seeds 21..40)\"" "hunt report" "${xml}")
expect_in("replay: zabsim sim --bug=majority-is-half --seed" "hunt report" "${xml}")
run(out code ${ZABSIM} hunt --zk master+fixes --seeds 1..2 --junit gave-up.xml)
expect(${code} 1 "a hunt that gives up" "${out}")
valid(gave-up.xml "a hunt that gave up")
file(READ ${WORK}/gave-up.xml xml)
expect_in("<failure type=\"nothing-caught\" message=\"nothing caught in 2 seeds (1..2)\"" "gave up" "${xml}")

# --- hunt's old spellings: accepted, with what to say instead; never with --seeds.
run(out code ${ZABSIM} hunt --zk master+fixes --from 3 --max-seeds 2)
expect(${code} 1 "hunt --from 3 --max-seeds 2" "${out}")
expect_in("zabsim hunt: --from is deprecated and goes in zabsim 0.3: say --seeds" "--from" "${out}")
expect_in("zabsim hunt: --max-seeds is deprecated" "--max-seeds" "${out}")
expect_in("nothing caught in 2 seeds (3..4)" "--from 3 --max-seeds 2" "${out}")
run(out code ${ZABSIM} hunt --seeds 1..2 --from 3)
expect(${code} 2 "hunt --seeds with --from" "${out}")
run(out code ${ZABSIM} hunt --help)
expect_in("deprecated, accepted until zabsim 0.3:\n  --from=SEED: say --seeds" "hunt --help" "${out}")
run(out code ${ZABSIM} hunt --seeds 0..18446744073709551615)
expect(${code} 2 "hunt over too many seeds" "${out}")

# --- run --junit and --json: a file per test case; a mismatch, a violation and an
# unreadable file each reported as such.
set(happy ${SOURCE}/scenarios/happy-path.scn)
set(zk1154 ${SOURCE}/scenarios/bug-zk-1154.scn)
run(out code ${ZABSIM} run --junit run.xml --json ${happy} ${zk1154})
expect(${code} 0 "run --junit --json on two passing files" "${out}")
valid(run.xml "a passing run's report")
string(REGEX MATCHALL "[^\n]+" lines "${out}")
list(GET lines 0 first)
string(JSON result GET "${first}" result)
string(JSON file GET "${first}" file)
string(JSON expected LENGTH "${first}" expected_violations)
if(NOT result STREQUAL "ok" OR NOT file STREQUAL happy OR NOT expected EQUAL 0)
  message(FATAL_ERROR "run --json, first file: ${first}")
endif()
list(GET lines 1 second)
string(JSON expected LENGTH "${second}" expected_violations)
if(expected EQUAL 0)
  message(FATAL_ERROR "run --json: bug-zk-1154.scn shows its violations with 'check': ${second}")
endif()

run(out code ${ZABSIM} run --seed 4 --junit seed4.xml --json ${zk1154} no-such.scn)
expect(${code} 2 "run --seed 4 on bug-zk-1154 and a missing file" "${out}")
valid(seed4.xml "a failing run's report")
file(READ ${WORK}/seed4.xml xml)
expect_in("<failure type=\"violation\"" "run --seed 4" "${xml}")
expect_in("replay: zabsim run --seed 4 ${zk1154}" "run --seed 4" "${xml}")
expect_in("<error type=\"error\" message=\"no-such.scn: cannot read the file\"" "run, a missing file" "${xml}")
expect_in("\"result\":\"failed\"" "run --json --seed 4" "${out}")
expect_in("{\"file\":\"no-such.scn\",\"result\":\"error\"" "run --json, a missing file" "${out}")

run(out code ${ZABSIM} run --bug ZK-1154 --junit mismatch.xml ${happy})
expect(${code} 1 "run with an output that differs" "${out}")
valid(mismatch.xml "a mismatch's report")
file(READ ${WORK}/mismatch.xml xml)
expect_in("<failure type=\"mismatch\"" "a mismatch" "${xml}")
expect_in("replay: zabsim run --bug ZK-1154 ${happy}" "a mismatch" "${xml}")

foreach(conflict --verbose --narrate --rewrite)
  run(out code ${ZABSIM} run --json ${conflict} ${happy})
  expect(${code} 2 "run --json ${conflict}" "${out}")
endforeach()

# --- sim --json: the summary, parsed back.
run(out code ${ZABSIM} sim --seed 3 --json)
string(REGEX MATCH "^[^\n]+" json "${out}")
string(JSON seed GET "${json}" seed)
string(JSON result GET "${json}" result)
string(JSON fingerprint GET "${json}" fingerprint)
string(JSON nservers LENGTH "${json}" servers)
string(JSON check GET "${json}" verdicts 0 check)
string(JSON replay GET "${json}" replay)
run(brief brief_code ${ZABSIM} sim --seed 3 --brief)
string(STRIP "${brief}" brief)
if(NOT seed EQUAL 3 OR NOT nservers EQUAL 3 OR NOT check STREQUAL "one-leader-per-epoch"
   OR NOT fingerprint STREQUAL brief OR NOT replay STREQUAL "zabsim sim --seed 3")
  message(FATAL_ERROR "sim --seed 3 --json: ${json}\n(--brief: ${brief})")
endif()
if((result STREQUAL "ok") AND NOT code EQUAL 0 OR (result STREQUAL "failed") AND NOT code EQUAL 1)
  message(FATAL_ERROR "sim --json: result ${result} with exit ${code}")
endif()
run(out code ${ZABSIM} sim --json --brief)
expect(${code} 2 "sim --json --brief" "${out}")
run(out code ${ZABSIM} sim --json --trace -)
expect(${code} 2 "sim --json --trace -" "${out}")
