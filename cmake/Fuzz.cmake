# The libFuzzer harnesses: fuzz/<name>_fuzzer.cpp -> build-fuzz/fuzz/<name>_fuzzer, all under the
# target kcost_fuzzers. Seed corpora are fuzz/corpus/<name>/; fuzz/run builds and runs them.
# They link the parts of kcost they fuzz (expressions, leaf and cost files, the resolver, config
# reading, the command-line parsers), instrumented, not the whole of kcost_core: the embedded
# interpreter and the analysis are not reachable from them (--gc-sections drops what is not).
set(KCOST_FUZZ_SOURCE_GLOBS
    src/expr/*.cpp src/leaves/*.cpp src/resolve/*.cpp src/emit/cost_schema.cpp src/evaluate/values.cpp
    src/evaluate/hardware.cpp src/interp/config_view.cpp src/interp/value.cpp src/cli/model_options.cpp
    src/cli/command_line.cpp)
set(KCOST_FUZZ_SOURCES)
foreach(pattern ${KCOST_FUZZ_SOURCE_GLOBS})
  file(GLOB found CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/${pattern}")
  list(APPEND KCOST_FUZZ_SOURCES ${found})
endforeach()
list(FILTER KCOST_FUZZ_SOURCES EXCLUDE REGEX "_test\\.cpp$")
add_library(kcost_fuzz_core STATIC ${KCOST_FUZZ_SOURCES})
target_include_directories(kcost_fuzz_core PUBLIC "${CMAKE_SOURCE_DIR}/src")
target_link_libraries(kcost_fuzz_core PUBLIC
  pybind11::embed PkgConfig::GINAC Boost::program_options nlohmann_json::nlohmann_json)
target_compile_definitions(kcost_fuzz_core PUBLIC
  KCOST_SOURCE_DIR="${CMAKE_SOURCE_DIR}" KCOST_DEFAULT_PYTHON_ENV="${KCOST_PYTHON_ENV}")
target_compile_options(kcost_fuzz_core PUBLIC -ffunction-sections -fdata-sections)

file(GLOB KCOST_FUZZERS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/fuzz/*_fuzzer.cpp")
add_custom_target(kcost_fuzzers)
foreach(source ${KCOST_FUZZERS})
  get_filename_component(name "${source}" NAME_WE)
  add_executable(${name} "${source}")
  target_link_libraries(${name} PRIVATE kcost_fuzz_core)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer -Wl,--gc-sections)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
  add_dependencies(kcost_fuzzers ${name})
endforeach()
