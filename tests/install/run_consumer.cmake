# Runs one consumer test (cmake -P). Called by the tests that
# tests/install/CMakeLists.txt registers, with:
#   MODE            find_package | add_subdirectory
#   ZMTP_SOURCE_DIR ZMTP_BINARY_DIR  the library's source and build trees
#   WORK_DIR        where this test may write (inside the build tree)
#   CONFIG GENERATOR MAKE_PROGRAM CXX_COMPILER SANITIZE  as the main build
# The consumer's build tree is kept between runs, so re-runs are incremental.

foreach(var MODE ZMTP_SOURCE_DIR ZMTP_BINARY_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()
if("${CONFIG}" STREQUAL "")
  set(CONFIG Release)
endif()

# run(<what> COMMAND ...): runs a command, fails the test if it fails.
function(run what)
  execute_process(${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc})")
  endif()
endfunction()

set(bin_dir ${WORK_DIR}/${MODE}/build)
set(cmake_args
  -G "${GENERATOR}"
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_BUILD_TYPE=${CONFIG}
  # Runtime output in bin/, whatever the generator (no per-config subfolder).
  "-DCMAKE_RUNTIME_OUTPUT_DIRECTORY=$<1:${bin_dir}/bin>"
  # Only what we pass: no user or system package registry.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(MAKE_PROGRAM)
  list(APPEND cmake_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(SANITIZE)
  # The library's objects are instrumented; the program must link the
  # sanitizer runtimes too.
  list(APPEND cmake_args
    "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -fno-omit-frame-pointer"
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()

if(MODE STREQUAL "find_package")
  # A fresh install each time, so files removed from the library do not linger.
  set(prefix ${WORK_DIR}/${MODE}/prefix)
  file(REMOVE_RECURSE ${prefix})
  message(STATUS "installing ${ZMTP_BINARY_DIR} into ${prefix}")
  run("cmake --install"
    COMMAND ${CMAKE_COMMAND} --install ${ZMTP_BINARY_DIR} --prefix ${prefix} --config ${CONFIG})
  set(source_dir ${ZMTP_SOURCE_DIR}/tests/install/consumer)
  list(APPEND cmake_args -DCMAKE_PREFIX_PATH=${prefix} -DZMTP_EXPECT_PREFIX=${prefix})
  # No build-tree paths may leak into the installed package.
  file(GLOB_RECURSE cmake_files ${prefix}/*.cmake)
  foreach(f IN LISTS cmake_files)
    file(READ ${f} text)
    string(REPLACE "${prefix}" "" text "${text}")
    foreach(tree ${ZMTP_SOURCE_DIR} ${ZMTP_BINARY_DIR})
      string(FIND "${text}" "${tree}/" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${f} refers to ${tree}")
      endif()
    endforeach()
  endforeach()
elseif(MODE STREQUAL "add_subdirectory")
  set(source_dir ${ZMTP_SOURCE_DIR}/tests/install/subdir_consumer)
  list(APPEND cmake_args -DZMTP_SOURCE_DIR=${ZMTP_SOURCE_DIR})
else()
  message(FATAL_ERROR "run_consumer.cmake: unknown MODE '${MODE}'")
endif()

message(STATUS "configuring ${source_dir} in ${bin_dir}")
run("configure" COMMAND ${CMAKE_COMMAND} -S ${source_dir} -B ${bin_dir} ${cmake_args})
message(STATUS "building")
run("build" COMMAND ${CMAKE_COMMAND} --build ${bin_dir} --config ${CONFIG})
message(STATUS "running")
run("zmtp_consumer" COMMAND ${bin_dir}/bin/zmtp_consumer)
