# Determinism across builds: a few hundred knob-swarm seeds (3 voters, and 5 voters with
# an observer), swept on two threads, must give the trace fingerprints committed in
# tests/golden/sweep_fingerprints.txt. .ci/run runs it in each of its builds (g++,
# ASan+UBSan, clang), so each proves it runs the same ZAB as the others. Run by ctest as
#   cmake -DZABSIM=path/to/zabsim -DGOLDEN=tests/golden/sweep_fingerprints.txt -DWORK=dir
#         -P determinism_test.cmake
# After a change that moves runs on purpose, regenerate the file with -DUPDATE=1.
# With -DSANITIZED=1 (ASan+UBSan, ten times slower) it sweeps the first third of each set
# and compares those seeds' lines.

file(MAKE_DIRECTORY ${WORK})
# Each set: its name, then the sweep's flags.
set(sets "v3" "v5")
set(v3_last 300)
set(v5_last 100)
if(SANITIZED AND NOT UPDATE)
  set(v3_last 100)
  set(v5_last 34)
endif()
set(v3_flags --knobs swarm --seeds 1..${v3_last})
set(v5_flags --knobs swarm --voters 5 --observers 1 --seeds 1..${v5_last})

set(actual "")
set(got "")
foreach(set IN LISTS sets)
  execute_process(COMMAND ${ZABSIM} sweep ${${set}_flags} --jobs 2 --out ${WORK}/${set}.jsonl
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code)
  # A seed that fails a check still has a fingerprint: exit 1 is fine here, 2 is not.
  if(NOT code EQUAL 0 AND NOT code EQUAL 1)
    message(FATAL_ERROR "zabsim sweep ${${set}_flags}: exit ${code}:\n${out}${err}")
  endif()
  file(STRINGS ${WORK}/${set}.jsonl lines)
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "^{\"seed\":([0-9]+),.*\"fingerprint\":\"([0-9a-f]+)\"")
      message(FATAL_ERROR "${set}.jsonl: a results line without seed and fingerprint: ${line}")
    endif()
    string(APPEND actual "${set} ${CMAKE_MATCH_1} ${CMAKE_MATCH_2}\n")
    list(APPEND got "${set} ${CMAKE_MATCH_1} ${CMAKE_MATCH_2}")
  endforeach()
endforeach()

if(UPDATE)
  file(WRITE ${GOLDEN} "# zabsim sweep --jobs 2 of the sets in tests/cli/determinism_test.cmake: set, seed,\n"
                       "# trace fingerprint. Every build must give these (ctest cli.determinism).\n"
                       "${actual}")
  return()
endif()
file(STRINGS ${GOLDEN} all_golden REGEX "^[^#]")
set(golden "")
foreach(line IN LISTS all_golden)
  if(NOT line MATCHES "^([a-z0-9]+) ([0-9]+) ")
    message(FATAL_ERROR "${GOLDEN}: malformed line '${line}'")
  endif()
  set(last ${${CMAKE_MATCH_1}_last})
  if(CMAKE_MATCH_2 LESS_EQUAL last)
    list(APPEND golden "${line}")
  endif()
endforeach()
list(LENGTH golden n_golden)
list(LENGTH got n_got)
if(NOT n_golden EQUAL n_got)
  message(FATAL_ERROR "${n_got} seeds swept, ${n_golden} in ${GOLDEN}")
endif()
set(differ 0)
set(report "")
math(EXPR last "${n_got} - 1")
foreach(i RANGE ${last})
  list(GET golden ${i} want)
  list(GET got ${i} have)
  if(NOT want STREQUAL have)
    math(EXPR differ "${differ} + 1")
    if(differ LESS_EQUAL 10)
      string(APPEND report "  expected ${want}, got ${have}\n")
    endif()
  endif()
endforeach()
if(differ GREATER 0)
  message(FATAL_ERROR "${differ} of ${n_got} fingerprints differ from ${GOLDEN} "
                      "(a change that moves runs on purpose regenerates it: see the script):\n${report}")
endif()
message(STATUS "${n_got} seeds, every fingerprint as committed")
