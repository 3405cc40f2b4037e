# Small helpers that declare every target the same way (Abseil's absl_cc_* style).
#
#   kbench_library(NAME storage SOURCES a.cc b.cc DEPS kbench_base [PUBLIC_LIBS ...])
#       -> static library kbench_storage, include root = project root ("core/storage/segment.h").
#   kbench_test(NAME storage_segment_test SOURCES x_test.cc DEPS kbench_storage [TIMEOUT s] [LABELS ...])
#       -> GoogleTest binary registered with CTest (only when KBENCH_BUILD_TESTS).
#   kbench_benchmark(NAME bench_storage SOURCES x.cc DEPS kbench_storage)
#       -> Google Benchmark binary in <build>/bench (only when KBENCH_BUILD_BENCHMARKS).

function(kbench_apply_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(KBENCH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(kbench_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  set(target kbench_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS})
  kbench_apply_warnings(${target})
endfunction()

function(kbench_test)
  if(NOT KBENCH_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  kbench_apply_warnings(${ARG_NAME})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    ENVIRONMENT "KBENCH_BINARY_DIR=${PROJECT_BINARY_DIR};KBENCH_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

function(kbench_benchmark)
  if(NOT KBENCH_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  kbench_apply_warnings(${ARG_NAME})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
endfunction()
