# Installing zabsim (cmake --install BUILD --prefix P) and packaging it (cpack -G DEB):
#
#   bin/zabsim                                 the tool
#   include/zabsim/{base,sim,zab,runner}/*.h   the public headers (docs/embedding.md)
#   lib/libzabsim_*.a                          the libraries
#   lib/zabsim/libzabsim_conform_preload.so    preloaded into real servers by zabsim conform
#   lib/zabsim/zabsim_conform_lazyfs           its FUSE layer (--crash-disk lazyfs), if built
#   lib/cmake/zabsim/                          the CMake package: find_package(zabsim)
#   share/zabsim/scenarios/                    the scenario library
#   share/doc/zabsim/                          README.md and docs/
#
# An embedding project does find_package(zabsim 0.2) and links zabsim::sim (the world
# alone) or zabsim::runner (ZAB ensembles in the world, with every check). The package
# finds Abseil and fmt itself; GoogleTest, RapidCheck and Benchmark are never needed.

include(CMakePackageConfigHelpers)

set(zabsim_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/zabsim)

install(TARGETS zabsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Preloaded into real ZooKeeper servers by zabsim conform (docs/conformance.md).
install(TARGETS zabsim_conform_preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/zabsim)
# Its FUSE layer, where libfuse3 was found (docs/conformance.md, "A crash").
if(TARGET zabsim_conform_lazyfs)
  install(TARGETS zabsim_conform_lazyfs RUNTIME DESTINATION ${CMAKE_INSTALL_LIBDIR}/zabsim)
endif()
install(TARGETS zabsim_base zabsim_sim zabsim_zab_core zabsim_zab zabsim_runner
  EXPORT zabsimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/base ${PROJECT_SOURCE_DIR}/sim ${PROJECT_SOURCE_DIR}/zab
  ${PROJECT_SOURCE_DIR}/runner
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/zabsim
  FILES_MATCHING PATTERN "*.h"
  PATTERN "viewer" EXCLUDE)
install(EXPORT zabsimTargets NAMESPACE zabsim:: DESTINATION ${zabsim_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/zabsimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/zabsimConfig.cmake
  INSTALL_DESTINATION ${zabsim_cmake_dir})
# 0.x: a minor version may change the API, so only the same 0.MINOR is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/zabsimConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/zabsimConfig.cmake ${PROJECT_BINARY_DIR}/zabsimConfigVersion.cmake
  DESTINATION ${zabsim_cmake_dir})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/zabsim/scenarios
  FILES_MATCHING PATTERN "*.scn")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# The .deb: cpack -G DEB in the build directory. Depends on the -dev packages of Abseil
# and fmt: the libraries are static and their users link Abseil and fmt themselves, and
# the -dev packages bring the shared libraries the tool runs with.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zabsim)
set(CPACK_PACKAGE_VENDOR "zabsim")
set(CPACK_PACKAGE_CONTACT "zabsim developers <zabsim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "deterministic simulator of ZooKeeper's atomic broadcast (ZAB)")
set(CPACK_PACKAGE_DESCRIPTION
  "zabsim runs ZooKeeper's ZAB as single-threaded state machines in a simulated world driven by one seed, with checkers of ZAB's guarantees, a zoo of real ZooKeeper bugs, scenario files, sweeps and teaching tools. This package holds the zabsim tool, its libraries and headers, and a CMake package for find_package(zabsim).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libabsl-dev (>= 20220623), libfmt-dev (>= 9)")
if(TARGET zabsim_conform_lazyfs)
  # The FUSE layer links libfuse3; mounting needs fuse3's fusermount3 unless run as root.
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libfuse3-3")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "fuse3")
endif()
set(CPACK_STRIP_FILES ON)
include(CPack)
