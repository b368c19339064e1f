# One conformance scenario on a real ZooKeeper ensemble and in zabsim (zabsim conform),
# then the check that the run left nothing behind: no process tagged with its directory,
# no mount in it, no file in it.
#   cmake -DZABSIM=path/to/zabsim -DSCENARIO=file.scn -DWORK=dir -P conform_test.cmake
# With -DCRASH_DISK=lazyfs, the run's crashes go through the FUSE layer (--crash-disk), and
# some crash must have dropped unsynced bytes (its answer, printed by --verbose); a machine
# where zabsim refuses the option (no /dev/fuse) prints SKIP, which the test takes as such.
# With -DBUG=NAME, zabsim's side runs with that bug switch on, and the run must fail with
# a report line matching -DEXPECT_DIFFERENCE=REGEX.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(conform_flags "")
if(CRASH_DISK)
  set(conform_flags --crash-disk ${CRASH_DISK} --verbose)
endif()
# show prints a run's output; of --verbose's, not the CLI's exchanges nor the proxy's.
macro(show)
  string(REGEX REPLACE "conform:   (zkCli>|[|]|proxy:)[^\n]*\n" "" shown "${err}")
  message("${out}${shown}")
endmacro()
set(want 0)
if(BUG)
  list(APPEND conform_flags --bug ${BUG})
  set(want 1)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${WORK} ${ZABSIM} conform ${conform_flags} ${SCENARIO}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
show()
if(CRASH_DISK AND code EQUAL 2 AND err MATCHES "--crash-disk ${CRASH_DISK}: ")
  message("SKIP: zabsim conform cannot run --crash-disk ${CRASH_DISK} here")
  return()
endif()
# A real ensemble that failed to run (a JVM that could not start on a busy machine: exit
# 3, no report) gets one more try; a difference in a report (exit 1) never does.
if(code EQUAL 3)
  message("the real ensemble failed to run; trying once more")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${WORK} ${ZABSIM} conform ${conform_flags} ${SCENARIO}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  show()
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
if(CRASH_DISK STREQUAL "lazyfs" AND NOT err MATCHES "its FUSE layer crashed: dropped [1-9][0-9]* bytes")
  message(FATAL_ERROR "zabsim conform --crash-disk lazyfs ${SCENARIO}: no crash dropped an unsynced write")
endif()
# A bug story (bug-*.scn) must break the same checks on the real ensemble as in zabsim.
get_filename_component(story ${SCENARIO} NAME)
if(NOT BUG AND story MATCHES "^bug-" AND NOT out MATCHES "verdict: reproduced on ZooKeeper")
  message(FATAL_ERROR "zabsim conform ${SCENARIO}: the bug story was not reproduced on the real ensemble")
endif()
# The pattern's brackets keep grep from finding its own command line; a FUSE layer's
# command line names its directories in the run's.
execute_process(COMMAND sh -c "grep -l -a -E 'zabsim[.]conform[.]dir=${WORK}|${WORK}/zabsim[-]conform' /proc/[0-9]*/cmdline 2>/dev/null"
                OUTPUT_VARIABLE left)
if(NOT left STREQUAL "")
  message(FATAL_ERROR "processes left behind: ${left}")
endif()
file(STRINGS /proc/mounts mounts REGEX " ${WORK}/")
if(mounts)
  message(FATAL_ERROR "mounts left behind: ${mounts}")
endif()
file(GLOB files ${WORK}/*)
if(files)
  message(FATAL_ERROR "files left behind: ${files}")
endif()
