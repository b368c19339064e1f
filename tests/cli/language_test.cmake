# The scenario language's guards, end to end through zabsim run (docs/scenarios.md):
#   - scenarios/leader-crash-before-commit.scn passes as written, and the same story with
#     its capture on the wrong write (the earlier one) is refused: its waits already hold
#     (exit 2, located); told that is fine (already=ok), its expectations fail (exit 1);
#   - a `run until=` that already holds is an error (exit 2, FILE:LINE:COLUMN), and passes
#     with already=ok;
#   - a trigger (`on`) with a bad pattern is an error (exit 2, located), and one that never
#     fires passes with a warning.
#   cmake -DZABSIM=path/to/zabsim -DSOURCE=source/dir -DWORK=dir -P language_test.cmake

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# expect_run(CODE REGEX FILE): zabsim run FILE must exit CODE with output matching REGEX.
function(expect_run want regex path)
  execute_process(COMMAND ${ZABSIM} run ${path} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  if(NOT code EQUAL want OR NOT "${out}${err}" MATCHES "${regex}")
    message(FATAL_ERROR "zabsim run ${path}: expected exit ${want} and '${regex}', got ${code}:\n${out}${err}")
  endif()
endfunction()

set(story ${SOURCE}/scenarios/leader-crash-before-commit.scn)
expect_run(0 "ok \\(" ${story})

# The wrong write: `as=w` on the first create, the name `first` on the write of the story.
file(READ ${story} text)
string(REPLACE "create 1 /x v0 as=first" "create 1 /x v0 as=TMP" wrong "${text}")
string(REPLACE "set 1 /x v1 nowait as=w" "set 1 /x v1 nowait as=first" wrong "${wrong}")
string(REPLACE "as=TMP" "as=w" wrong "${wrong}")
string(REPLACE "expect first code=OK" "expect w code=OK" wrong "${wrong}")
if(wrong STREQUAL text)
  message(FATAL_ERROR "${story}: the capture lines moved; update this test")
endif()
file(WRITE ${WORK}/wrong.scn "${wrong}")
expect_run(2 "wrong.scn:[0-9]+:5: run: 'proposed:\\$w' \\(proposed:0x100000002\\) already holds at 0.264; add already=ok if that is intended"
           ${WORK}/wrong.scn)
string(REGEX REPLACE "(\nrun until=[a-z]+:\\$w)" "\\1 already=ok" forced "${wrong}")
file(WRITE ${WORK}/forced.scn "${forced}")
expect_run(1 "forced.scn:[0-9]+:[0-9]+: expect w: expected code=CONNECTIONLOSS, found code=OK" ${WORK}/forced.scn)

# already=ok.
set(prelude "cluster voters=3\nrun until=converged show=none\n")
file(WRITE ${WORK}/already.scn "${prelude}run until=epoch:1\n")
expect_run(2 "already.scn:3:5: run: 'epoch:1' already holds at 0.212; add already=ok if that is intended"
           ${WORK}/already.scn)
file(WRITE ${WORK}/already-ok.scn "${prelude}run until=epoch:1 already=ok\n")
expect_run(0 "already-ok.scn: ok \\(" ${WORK}/already-ok.scn)
# An expectation that fails fails the file, and --rewrite does not make it pass.
file(WRITE ${WORK}/expect.scn "${prelude}expect 3 role=FOLLOWING\n")
expect_run(1 "expect.scn:3:10: expect 3: expected role=FOLLOWING, found role=LEADING" ${WORK}/expect.scn)
execute_process(COMMAND ${ZABSIM} run --rewrite ${WORK}/expect.scn OUTPUT_VARIABLE out RESULT_VARIABLE code)
file(READ ${WORK}/expect.scn after)
if(NOT code EQUAL 1 OR NOT after STREQUAL "${prelude}expect 3 role=FOLLOWING\n")
  message(FATAL_ERROR "--rewrite of a failed expectation: expected exit 1 and the file unchanged, got ${code}:\n${after}")
endif()

# Triggers: a pattern that cannot be is a located error (exit 2); one that never fires
# passes with a warning naming its line.
file(WRITE ${WORK}/on-bad.scn "${prelude}on 3 sends PROPOSL do crash 3\n")
expect_run(2 "on-bad.scn:3:12: on: no message type 'PROPOSL'" ${WORK}/on-bad.scn)
file(WRITE ${WORK}/on-never.scn "${prelude}on 1 enters LEADING do crash 1\nrun for=100ms\n")
expect_run(0 "on-never.scn:3:1: warning: on: the trigger never fired: on 1 enters LEADING do crash 1\n.*on-never.scn: ok \\("
           ${WORK}/on-never.scn)
