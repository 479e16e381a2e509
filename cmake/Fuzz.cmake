# The libFuzzer harnesses: fuzz/<name>_fuzzer.cpp -> build-fuzz/fuzz/<name>_fuzzer, all under the
# target kcost_fuzzers. Seed corpora are fuzz/corpus/<name>/; fuzz/run builds and runs them.
# They link only the parts of kcost they fuzz, none of which needs Python: expressions, cost
# files, the leaf library, the resolver, config values and the config view, the command-line
# value parsers (cli/number_options). kcost_fuzz_parts is a static library, so each harness takes
# only the object files it references; nothing here links the embedded interpreter.
set(KCOST_FUZZ_SOURCE_GLOBS
    src/expr/*.cpp src/costfile/*.cpp src/leaves/*.cpp src/resolve/*.cpp src/evaluate/values.cpp src/evaluate/precision.cpp
    src/interp/config_view.cpp src/interp/value.cpp src/cli/number_options.cpp)
set(KCOST_FUZZ_SOURCES)
foreach(pattern ${KCOST_FUZZ_SOURCE_GLOBS})
  file(GLOB found CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/${pattern}")
  list(APPEND KCOST_FUZZ_SOURCES ${found})
endforeach()
list(FILTER KCOST_FUZZ_SOURCES EXCLUDE REGEX "_test\\.cpp$")
add_library(kcost_fuzz_parts STATIC ${KCOST_FUZZ_SOURCES})
target_include_directories(kcost_fuzz_parts PUBLIC "${CMAKE_SOURCE_DIR}/src")
target_link_libraries(kcost_fuzz_parts PUBLIC PkgConfig::GINAC Boost::program_options nlohmann_json::nlohmann_json)
target_compile_definitions(kcost_fuzz_parts PUBLIC KCOST_SOURCE_DIR="${CMAKE_SOURCE_DIR}")

file(GLOB KCOST_FUZZERS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/fuzz/*_fuzzer.cpp")
add_custom_target(kcost_fuzzers)
foreach(source ${KCOST_FUZZERS})
  get_filename_component(name "${source}" NAME_WE)
  add_executable(${name} "${source}")
  target_link_libraries(${name} PRIVATE kcost_fuzz_parts)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
  add_dependencies(kcost_fuzzers ${name})
endforeach()

# The unit tests of those same parts, built like them (clang, ASan + UBSan): a sanitizer run of
# the Python-free core that is much cheaper than the whole KCOST_SANITIZE build.
#   cmake --build build-fuzz --target kcost_parts_tests && build-fuzz/kcost_parts_tests
file(GLOB KCOST_PARTS_TESTS CONFIGURE_DEPENDS
     "${CMAKE_SOURCE_DIR}/src/expr/*_test.cpp" "${CMAKE_SOURCE_DIR}/src/leaves/*_test.cpp"
     "${CMAKE_SOURCE_DIR}/src/resolve/*_test.cpp" "${CMAKE_SOURCE_DIR}/src/cli/number_options_test.cpp"
     "${CMAKE_SOURCE_DIR}/src/evaluate/values_test.cpp")
add_executable(kcost_parts_tests ${KCOST_PARTS_TESTS})
target_link_libraries(kcost_parts_tests PRIVATE kcost_fuzz_parts GTest::gtest_main)
