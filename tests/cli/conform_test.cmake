# One conformance scenario on a real ZooKeeper ensemble and in zabsim (zabsim conform),
# then the check that the run left nothing behind: no process tagged with its directory,
# no file in it.
#   cmake -DZABSIM=path/to/zabsim -DSCENARIO=file.scn -DWORK=dir -P conform_test.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${WORK} ${ZABSIM} conform ${SCENARIO}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
message("${out}${err}")
# A real ensemble that failed to run (a JVM that could not start on a busy machine: no
# report at all) gets one more try; a difference in a report never does.
if(code EQUAL 1 AND NOT out MATCHES "observations compared")
  message("the real ensemble failed to run; trying once more")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${WORK} ${ZABSIM} conform ${SCENARIO}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  message("${out}${err}")
endif()
if(NOT code EQUAL 0)
  message(FATAL_ERROR "zabsim conform ${SCENARIO}: expected exit 0, got ${code}")
endif()
if(NOT out MATCHES "observations compared, 0 differ")
  message(FATAL_ERROR "zabsim conform ${SCENARIO}: no report")
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
