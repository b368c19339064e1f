# The documents' check (docs.examples) can fail: copies of docs/teaching.md, one with an
# example edited by hand, one with a block that nothing checks, one with a flag that
# zabsim does not take, and a copy of docs/trace-format.md with recheck.py's output
# edited, must fail tests/course/check_course.py --every-block, and the unaltered copy of
# teaching.md pass. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DPYTHON=python3 -DSOURCE=repo -DWORK=dir -P examples_test.cmake

set(RUN_DIR ${SOURCE})
include(${SOURCE}/tests/cli/script_checks.cmake)

set(checker ${SOURCE}/tests/course/check_course.py)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(page_name teaching.md)
file(READ ${SOURCE}/docs/${page_name} page)

# check(NAME TEXT WANT_EXIT FRAGMENT): write TEXT as WORK/NAME.md, check it, and expect
# the exit status and FRAGMENT in the output.
function(check name text want fragment)
  file(WRITE ${WORK}/${name}.md "${text}")
  run(out code ${PYTHON} ${checker} --zabsim ${ZABSIM} --source ${SOURCE} --every-block
      --label docs ${WORK}/${name}.md)
  expect(${code} ${want} "docs check of ${name}" "${out}")
  expect_in("${fragment}" "docs check of ${name}" "${out}")
endfunction()

# alter(NAME FROM TO WANT_EXIT FRAGMENT): the page (page_name) with FROM replaced by TO.
function(alter name from to want fragment)
  string(FIND "${page}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${name}: '${from}' is not in docs/${page_name}")
  endif()
  string(REPLACE "${from}" "${to}" altered "${page}")
  check(${name} "${altered}" ${want} "${fragment}")
endfunction()

check(unaltered "${page}" 0 "docs: ok (1 files,")
# An output edited by hand (or gone stale): exit 1.
alter(example "is beyond 0x100000002, the last txn" "is beyond 0x100000001, the last txn" 1
      "the excerpt is not in the output of 'zabsim run --narrate scenarios/sync-trunc.scn'")
# A block that neither a marker nor its paragraph accounts for: exit 2.
alter(unmarked "Some commands (an excerpt,\nnot run by the test suite as written):"
      "Some commands:" 2 "unmarked.md:11: a block that no test checks")
# An excerpt's command that no longer exists as written: exit 1.
alter(stale-flag "--ops 3 --time 2s" "--ops 3 --duration 2s" 1
      "'zabsim sim' does not take --duration")

# The output of a script of docs/examples, edited by hand: exit 1.
set(page_name trace-format.md)
file(READ ${SOURCE}/docs/${page_name} page)
alter(script "recheck: ok (3 txns committed, 2 epochs)" "recheck: ok (4 txns committed, 2 epochs)" 1
      "the block is not the output of 'python3 docs/examples/recheck.py trunc.jsonl'")

# docs/scenarios.md: a file the page writes (zabsim-input) that no command reads, a
# scenario block edited by hand, and a fenced block moved into a list item.
set(page_name scenarios.md)
file(READ ${SOURCE}/docs/${page_name} page)
alter(input-unread "<!-- zabsim-output: run mismatch.scn (exit 1) -->" "<!-- zabsim-output: run expect.scn -->" 1
      "no later command reads the input mismatch.scn")
alter(scenario-block "   0.315 3 commit first=0x100000002" "   0.314 3 commit first=0x100000002" 1
      "docs/examples/scenarios/captures.scn has no directive")
alter(indented "- Output lines are compared exactly" "  ```\n  text\n  ```\n- Output lines are compared exactly" 2
      "an indented fenced block")
