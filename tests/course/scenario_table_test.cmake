# The scenarios reference's check (docs.scenarios-reference) can fail: copies of
# docs/scenarios.md, one whose section 7 lost the row of a scenario file, one with a row
# for a file that does not exist, and one that no longer says where scenarios/conformance/
# is described, must fail tests/course/check_scenario_table.py. Run by ctest as
#   cmake -DPYTHON=python3 -DSOURCE=repo -DWORK=dir -P scenario_table_test.cmake

set(RUN_DIR ${SOURCE})
include(${SOURCE}/tests/cli/script_checks.cmake)

set(checker ${SOURCE}/tests/course/check_scenario_table.py)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(READ ${SOURCE}/docs/scenarios.md page)

# alter(NAME FROM TO FRAGMENT): the page with FROM replaced by TO must fail the check,
# with FRAGMENT in its output.
function(alter name from to fragment)
  string(FIND "${page}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${name}: '${from}' is not in docs/scenarios.md")
  endif()
  string(REPLACE "${from}" "${to}" altered "${page}")
  file(WRITE ${WORK}/${name}.md "${altered}")
  run(out code ${PYTHON} ${checker} ${SOURCE} ${WORK}/${name}.md)
  expect(${code} 1 "scenarios reference check of ${name}" "${out}")
  expect_in("${fragment}" "scenarios reference check of ${name}" "${out}")
endfunction()

alter(missing "| `happy-path.scn` |" "| happy path |"
      "scenarios/happy-path.scn has no row in the table")
alter(stale "| `happy-path.scn` |" "| `happy-path.scn`, `sad-path.scn` |"
      "sad-path.scn is not a file of scenarios/")
alter(conformance "(conformance.md) lists it" "lists it"
      "does not say where scenarios/conformance/ is described")
