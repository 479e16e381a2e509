# Sanitizer and fuzzing builds (both off by default; see README "Hardening"):
# - KCOST_SANITIZE=ON: everything (kcost, kcost_core, the tests) built with AddressSanitizer and
#   UndefinedBehaviorSanitizer; any UB report aborts. Use a separate build directory (build-asan).
# - KCOST_FUZZ=ON (clang only): kcost_core instrumented for libFuzzer plus ASan and UBSan, and one
#   libFuzzer binary per fuzz/*_fuzzer.cpp (target kcost_fuzzers). Use a separate build
#   directory (build-fuzz); fuzz/run makes it.
option(KCOST_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(KCOST_FUZZ "Build the libFuzzer harnesses of fuzz/ (clang; implies the sanitizers)" OFF)

set(KCOST_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
if(KCOST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KCOST_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(${KCOST_SANITIZER_FLAGS} -fsanitize=fuzzer-no-link -g)
  add_link_options(${KCOST_SANITIZER_FLAGS})
elseif(KCOST_SANITIZE)
  add_compile_options(${KCOST_SANITIZER_FLAGS} -g)
  add_link_options(${KCOST_SANITIZER_FLAGS})
endif()
