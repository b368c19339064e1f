# Unity builds (CMAKE_UNITY_BUILD=ON, set by ./build.sh's asan and clang modes): CMake
# compiles a target's sources a few at a time as one translation unit, which halves the
# compile time of those two CI builds (clang, -O1: 6m40s of CPU against 11m54s). These
# files declare helpers in anonymous namespaces under the same names as a neighbour
# (Invalid, PutU32, Reader, kLooking, History, ...), which one translation unit cannot
# hold twice: they are compiled alone. A new clash fails those builds with "redefinition
# of": add the file here. The default build (./build.sh test) is not a unity build.
set(zabsim_unity_alone
  cli/explore_command.cc
  sim/time.cc
  zab/storage.cc)
set(zabsim_unity_alone_tests
  runner/output_file_test.cc
  runner/scenario_fault_test.cc
  runner/scenario_language_test.cc
  runner/scenario_property_test.cc
  runner/scenario_trigger_test.cc
  zab/peer_test.cc
  zab/safety_test.cc
  zab/storage_test.cc)
foreach(f IN LISTS zabsim_unity_alone)
  set_source_files_properties(${PROJECT_SOURCE_DIR}/${f} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endforeach()
if(ZABSIM_TESTS)
  foreach(f IN LISTS zabsim_unity_alone_tests)
    set_source_files_properties(${PROJECT_SOURCE_DIR}/tests/${f} DIRECTORY ${PROJECT_SOURCE_DIR}/tests
                                PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  endforeach()
endif()
