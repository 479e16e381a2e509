# The libFuzzer harnesses: fuzz/<name>_fuzzer.cpp -> build-fuzz/fuzz/<name>_fuzzer, all under the
# target kcost_fuzzers. Seed corpora are fuzz/corpus/<name>/; fuzz/run builds and runs them.
file(GLOB KCOST_FUZZERS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/fuzz/*_fuzzer.cpp")
add_custom_target(kcost_fuzzers)
foreach(source ${KCOST_FUZZERS})
  get_filename_component(name "${source}" NAME_WE)
  add_executable(${name} "${source}")
  target_link_libraries(${name} PRIVATE kcost_core)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
  add_dependencies(kcost_fuzzers ${name})
endforeach()
