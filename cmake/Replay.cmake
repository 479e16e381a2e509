# fuzz/replay's drivers: each libFuzzer harness fuzz/<name>_fuzzer.cpp built into an ordinary
# program, build/replay/<name>, with fuzz/replay_main.cpp for libFuzzer's main and the release
# kcost_core for the instrumented parts: it runs the harness's checks on the input files it is
# given and times each (fuzz/replay_main.cpp). Built with the rest; the fuzzing build (KCOST_FUZZ,
# cmake/Fuzz.cmake) is the one that finds crashes, leaks and undefined behaviour.
file(GLOB KCOST_REPLAY_HARNESSES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/fuzz/*_fuzzer.cpp")
foreach(source ${KCOST_REPLAY_HARNESSES})
  get_filename_component(name "${source}" NAME_WE)
  string(REGEX REPLACE "_fuzzer$" "" harness "${name}")
  add_executable(kcost_replay_${harness} "${source}" "${CMAKE_SOURCE_DIR}/fuzz/replay_main.cpp")
  target_link_libraries(kcost_replay_${harness} PRIVATE kcost_core)
  set_target_properties(kcost_replay_${harness} PROPERTIES
    OUTPUT_NAME ${harness} RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/replay")
endforeach()

# A harness that rejects what starts with "reject", for the driver's own test (tests/replay_cli_test.cpp).
add_executable(kcost_replay_reject_selftest "${CMAKE_SOURCE_DIR}/tests/replay_reject_harness.cpp"
               "${CMAKE_SOURCE_DIR}/fuzz/replay_main.cpp")
set_target_properties(kcost_replay_reject_selftest PROPERTIES
  OUTPUT_NAME reject_selftest RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/replay")
