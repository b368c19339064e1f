# One conformance scenario on a real ZooKeeper ensemble and in zabsim (zabsim conform),
# then the check that the run left nothing behind: no process tagged with its directory,
# no file in it.
#   cmake -DZABSIM=path/to/zabsim -DSCENARIO=file.scn -DWORK=dir -P conform_test.cmake
# With -DBUG=NAME, zabsim's side runs with that bug switch on, and the run must fail with
# a report line matching -DEXPECT_DIFFERENCE=REGEX.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(bug_flag "")
set(want 0)
if(BUG)
  set(bug_flag --bug ${BUG})
  set(want 1)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${WORK} ${ZABSIM} conform ${bug_flag} ${SCENARIO}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
message("${out}${err}")
# A real ensemble that failed to run (a JVM that could not start on a busy machine: exit
# 3, no report) gets one more try; a difference in a report (exit 1) never does.
if(code EQUAL 3)
  message("the real ensemble failed to run; trying once more")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${WORK} ${ZABSIM} conform ${bug_flag} ${SCENARIO}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  message("${out}${err}")
endif()
if(NOT code EQUAL want)
  message(FATAL_ERROR "zabsim conform ${SCENARIO}: expected exit ${want}, got ${code}")
endif()
if(BUG)
  if(NOT out MATCHES "${EXPECT_DIFFERENCE}")
    message(FATAL_ERROR "zabsim conform --bug ${BUG}: expected a line matching '${EXPECT_DIFFERENCE}'")
  endif()
elseif(NOT out MATCHES "observations compared, 0 differ")
  message(FATAL_ERROR "zabsim conform ${SCENARIO}: no report")
endif()
# A bug story (bug-*.scn) must break the same checks on the real ensemble as in zabsim.
get_filename_component(story ${SCENARIO} NAME)
if(NOT BUG AND story MATCHES "^bug-" AND NOT out MATCHES "verdict: reproduced on ZooKeeper")
  message(FATAL_ERROR "zabsim conform ${SCENARIO}: the bug story was not reproduced on the real ensemble")
endif()
# The pattern's brackets keep grep from finding its own command line.
execute_process(COMMAND sh -c "grep -l -a -E 'zabsim[.]conform[.]dir=${WORK}' /proc/[0-9]*/cmdline 2>/dev/null"
                OUTPUT_VARIABLE left)
if(NOT left STREQUAL "")
  message(FATAL_ERROR "processes left behind: ${left}")
endif()
file(GLOB files ${WORK}/*)
if(files)
  message(FATAL_ERROR "files left behind: ${files}")
endif()
