# The course check can fail: copies of a lesson, each with one block edited by hand
# (or gone stale), must fail tests/course/check_course.py, and the unaltered copy pass.
# The lesson is tests/course/fixture.md, which holds every kind of block; one real
# lesson is altered too. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DPYTHON=python3 -DSOURCE=repo -DWORK=dir -P course_test.cmake

set(RUN_DIR ${SOURCE})
include(${SOURCE}/tests/cli/script_checks.cmake)

set(checker ${SOURCE}/tests/course/check_course.py)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(READ ${SOURCE}/tests/course/fixture.md fixture)

# check(NAME TEXT WANT_EXIT FRAGMENT [SOURCE_DIR]): write TEXT as WORK/NAME.md, check it,
# and expect the exit status and FRAGMENT in the output.
function(check name text want fragment)
  set(source_dir ${SOURCE})
  if(ARGC GREATER 4)
    set(source_dir ${ARGV4})
  endif()
  set(lesson ${WORK}/${name}.md)
  file(WRITE ${lesson} "${text}")
  run(out code ${PYTHON} ${checker} --zabsim ${ZABSIM} --source ${source_dir} ${lesson})
  expect(${code} ${want} "course check of ${name}" "${out}")
  expect_in("${fragment}" "course check of ${name}" "${out}")
endfunction()

# alter(NAME FROM TO WANT_EXIT FRAGMENT): the fixture with FROM replaced by TO.
function(alter name from to want fragment)
  string(FIND "${fixture}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${name}: '${from}' is not in tests/course/fixture.md")
  endif()
  string(REPLACE "${from}" "${to}" altered "${fixture}")
  check(${name} "${altered}" ${want} "${fragment}")
endfunction()

check(unaltered "${fixture}" 0 "course: ok (1 files, 5 blocks checked, 0 differ, 1 pending)")

# Outputs edited by hand: exit 1, naming the file and the marker's line. The fixture's
# whole output leaves the fingerprint to a wildcard, so that a change of the run (a new
# trace record) does not make this test fail; the edit is to the command count instead,
# which the wildcard does not cover.
alter(output "ok (5 commands," "ok (6 commands," 1
      "output.md:8: the block is not the output of 'zabsim run scenarios/happy-path.scn'")
alter(wildcard "fingerprint [...])" "fingerprint [...]) more" 1
      "wildcard.md:8: the block is not the output of 'zabsim run scenarios/happy-path.scn'")
alter(prompt "$ zabsim run scenarios/happy-path.scn\n" "$ zabsim run --verbose scenarios/happy-path.scn\n" 1
      "prompt.md:8: the block's command")
alter(excerpt "0.209 3 established epoch 1" "0.209 3 established epoch 2" 1
      "excerpt.md:16: the excerpt is not in the output")
alter(excerpt-order "   0.203 3 LOOKING -> LEADING\n...\n" "...\n   0.203 3 LOOKING -> LEADING\n" 1
      "excerpt-order.md:16: the excerpt is not in the output")
alter(scenario "DIFF 0x100000005 +3 txns" "DIFF 0x100000005 +2 txns" 1
      "scenario.md:26: scenarios/sync-diff.scn has no directive")
alter(file "# The happy path:" "# The sad path:" 1
      "file.md:38: the block is not the text of scenarios/happy-path.scn")
alter(exit "(exit 2)" "(exit 0)" 1 "exit.md:44: 'zabsim run --bug nonsense")
alter(emptied "scenarios/happy-path.scn: ok (5 commands, fingerprint [...])\n" "" 1
      "emptied.md:8: the block is not the output")

# Output that escapes the check, and broken markers: exit 2.
alter(unmarked "<!-- zabsim-output: run scenarios/happy-path.scn -->\n" "" 2
      "unmarked.md:8: an output block without a zabsim marker")
alter(no-block "<!-- zabsim-file: scenarios/happy-path.scn -->\n```\n" "<!-- zabsim-file: scenarios/happy-path.scn -->\ntext\n```\n" 2
      "no-block.md:38: marker not followed by a fenced block")
alter(bad-marker "<!-- zabsim-excerpt:" "<!-- zabsim-extract:" 2 "bad-marker.md:16: unreadable marker")

# A stale scenario: its recorded output and the lesson agree with each other, but no
# longer with what zabsim does. The lesson's comparison with the file is sound only
# because the file must still pass 'zabsim run'.
file(COPY ${SOURCE}/scenarios DESTINATION ${WORK}/stale-source)
file(READ ${SOURCE}/scenarios/sync-diff.scn scn)
string(REPLACE "DIFF 0x100000005 +3 txns" "DIFF 0x100000005 +2 txns" scn "${scn}")
file(WRITE ${WORK}/stale-source/scenarios/sync-diff.scn "${scn}")
string(REPLACE "DIFF 0x100000005 +3 txns" "DIFF 0x100000005 +2 txns" stale "${fixture}")
check(stale-scenario "${stale}" 1 "'zabsim run scenarios/sync-diff.scn' does not pass"
      ${WORK}/stale-source)

# A real lesson, edited by hand.
file(READ ${SOURCE}/docs/course/01-happy-path.md lesson)
set(line "   0.209 3 established epoch 1")
string(FIND "${lesson}" "${line}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "'${line}' is not in docs/course/01-happy-path.md")
endif()
string(REPLACE "${line}" "   0.209 3 established epoch 7" lesson "${lesson}")
check(real-lesson "${lesson}" 1 "course: FAILED")
