# Configures and builds the whole source tree in Release (cmake -P), in
# BINARY_DIR; kept between runs, so re-runs are incremental.
foreach(var SOURCE_DIR BINARY_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "build_tree.cmake: ${var} is not set")
  endif()
endforeach()
set(args -S ${SOURCE_DIR} -B ${BINARY_DIR} -G "${GENERATOR}"
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DZMTP_BUILD_TESTS=ON -DZMTP_BUILD_INTEROP=ON -DZMTP_BUILD_EXAMPLES=ON
  -DZMTP_BUILD_TOOLS=ON -DZMTP_BUILD_BENCH=ON)
if(C_COMPILER)
  list(APPEND args -DCMAKE_C_COMPILER=${C_COMPILER})
endif()
if(MAKE_PROGRAM)
  list(APPEND args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} ${args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the tree in Release failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the tree in Release failed (${rc})")
endif()
