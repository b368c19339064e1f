# A bug scenario shows its switch's violation (zabsim run passes because a 'check' shows
# it). The same steps with the switch off must break nothing: this script removes the
# 'bug=' argument, lets --rewrite record the outputs, and requires 'checks: ok' with no
# violation. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DSCENARIO=file.scn -DWORK=dir -P bug_off_test.cmake

file(READ ${SCENARIO} text)
string(REGEX MATCH " bug=[A-Za-z0-9-]+" switch "${text}")
if(switch STREQUAL "")
  message(FATAL_ERROR "${SCENARIO}: no 'bug=' switch in the file")
endif()
string(REPLACE "${switch}" "" off "${text}")
get_filename_component(name ${SCENARIO} NAME)
file(MAKE_DIRECTORY ${WORK})
set(copy ${WORK}/${name})
file(WRITE ${copy} "${off}")

execute_process(COMMAND ${ZABSIM} run --rewrite ${copy} OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "${name} without${switch}: expected no violation, exit ${code}:\n${out}${err}")
endif()
file(READ ${copy} rewritten)
# The last 'check' (with or without liveness=) must find nothing.
string(REGEX MATCHALL "\ncheck[^\n]*\n----\n[^\n]*" checks "${rewritten}")
list(POP_BACK checks last)
if(NOT last MATCHES "\nchecks: ok$")
  message(FATAL_ERROR "${name} without${switch}: its 'check' does not say 'checks: ok':\n${rewritten}")
endif()
string(REGEX MATCH "\ncheck[^\n]*\n----\n([^\n]*\n)*violation: " shown "${text}")
if(shown STREQUAL "")
  message(FATAL_ERROR "${name}: with${switch} its 'check' shows no violation")
endif()
