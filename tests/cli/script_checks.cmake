# Helpers for the end-to-end test scripts run with 'cmake -P' (trace_test.cmake,
# sweep_test.cmake): run a command and check its exit code and output. A script sets
# RUN_DIR, the directory commands run in, before it calls run().

# run(OUT CODE COMMAND...): OUT gets standard output then standard error, CODE the exit code.
function(run out_var code_var)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${RUN_DIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  set(${out_var} "${out}${err}" PARENT_SCOPE)
  set(${code_var} "${code}" PARENT_SCOPE)
endfunction()

function(expect code want what out)
  if(NOT code EQUAL want)
    message(FATAL_ERROR "${what}: expected exit ${want}, got ${code}:\n${out}")
  endif()
endfunction()

function(expect_in fragment what out)
  string(FIND "${out}" "${fragment}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what}: expected '${fragment}' in:\n${out}")
  endif()
endfunction()
