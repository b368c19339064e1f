# A bug scenario, scenarios/bug-SWITCH.scn, shows its switch's violation (zabsim run
# passes because a 'check' shows it). The same steps with the switch off must break
# nothing: this script turns it off (it removes the file's 'bug=SWITCH', or, for a bug
# the file's release has, adds 'fix=SWITCH' to the cluster line), lets --rewrite record
# the outputs, and requires 'checks: ok' with no violation. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DSCENARIO=file.scn -DWORK=dir -P bug_off_test.cmake

file(READ ${SCENARIO} text)
get_filename_component(name ${SCENARIO} NAME)
# bug-zk-1154.scn is switch ZK-1154; bug-commit-without-quorum.scn is commit-without-quorum.
string(REGEX REPLACE "^bug-(.*)\\.scn$" "\\1" bug "${name}")
string(REGEX REPLACE "^zk-" "ZK-" bug "${bug}")
string(FIND "${text}" " bug=${bug}" at)
if(at GREATER -1)
  set(switch " bug=${bug}")
  string(REPLACE "${switch}" "" off "${text}")
else()
  set(switch " fix=${bug}")
  string(REGEX REPLACE "(^|\n)(cluster[^\n]*)" "\\1\\2${switch}" off "${text}")
  if(off STREQUAL text)
    message(FATAL_ERROR "${SCENARIO}: no cluster line to add${switch} to")
  endif()
endif()
# With the switch off the steps tell another story, in which a wait may be over before it
# starts (a new leader elected while a write waited for its answer): no mistake of the
# file, so every `run until=` may already hold.
string(REGEX REPLACE "(\nrun until=[^\n]*)" "\\1 already=ok" off "${off}")
string(REPLACE "already=ok already=ok" "already=ok" off "${off}")
file(MAKE_DIRECTORY ${WORK})
set(copy ${WORK}/${name})
file(WRITE ${copy} "${off}")

execute_process(COMMAND ${ZABSIM} run --rewrite ${copy} OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "${name} with${switch} changed: expected no violation, exit ${code}:\n${out}${err}")
endif()
file(READ ${copy} rewritten)
# The last 'check' (with or without liveness=) must find nothing.
string(REGEX MATCHALL "\ncheck[^\n]*\n----\n[^\n]*" checks "${rewritten}")
list(POP_BACK checks last)
if(NOT last MATCHES "\nchecks: ok$")
  message(FATAL_ERROR "${name} with${switch} changed: its 'check' does not say 'checks: ok':\n${rewritten}")
endif()
string(REGEX MATCH "\ncheck[^\n]*\n----\n([^\n]*\n)*violation: " shown "${text}")
if(shown STREQUAL "")
  message(FATAL_ERROR "${name}: as written, its 'check' shows no violation")
endif()
