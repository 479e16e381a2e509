# Tests live beside the code they pin (src/<stage>/*_test.cpp) and in tests/.
# Files named *_embed_test.cpp need the embedded interpreter: they go into one binary whose
# main starts Python once, and ctest runs it one suite at a time (a suite per ctest entry, so
# that torch and transformers are imported once per suite, not once per test case).
# The other *_test.cpp files are plain unit tests, one ctest entry per test case.
enable_testing()
include(GoogleTest)

file(GLOB_RECURSE KCOST_ALL_TESTS CONFIGURE_DEPENDS
     "${CMAKE_SOURCE_DIR}/src/*_test.cpp" "${CMAKE_SOURCE_DIR}/tests/*_test.cpp")
set(KCOST_UNIT_TESTS ${KCOST_ALL_TESTS})
list(FILTER KCOST_UNIT_TESTS EXCLUDE REGEX "_embed_test\\.cpp$")
set(KCOST_EMBED_TESTS ${KCOST_ALL_TESTS})
list(FILTER KCOST_EMBED_TESTS INCLUDE REGEX "_embed_test\\.cpp$")

if(KCOST_UNIT_TESTS)
  add_executable(kcost_unit_tests ${KCOST_UNIT_TESTS})
  target_link_libraries(kcost_unit_tests PRIVATE kcost_core GTest::gtest_main)
  gtest_discover_tests(kcost_unit_tests DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "KCOST_BUILD_DIR=${CMAKE_BINARY_DIR}")
endif()

if(KCOST_EMBED_TESTS)
  add_executable(kcost_embed_tests ${KCOST_EMBED_TESTS} "${CMAKE_SOURCE_DIR}/tests/embed_main.cpp")
  target_link_libraries(kcost_embed_tests PRIVATE kcost_core GTest::gtest)
  foreach(file ${KCOST_EMBED_TESTS})
    file(STRINGS "${file}" lines REGEX "^TEST(_F|_P)?\\(")
    foreach(line ${lines})
      string(REGEX REPLACE "^TEST(_F|_P)?\\(([A-Za-z0-9_]+),.*" "\\2" suite "${line}")
      list(APPEND KCOST_EMBED_SUITES ${suite})
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES KCOST_EMBED_SUITES)
  foreach(suite ${KCOST_EMBED_SUITES})
    # Value-parameterized suites run as <Prefix>/<Suite>.
    add_test(NAME "${suite}" COMMAND kcost_embed_tests "--gtest_filter=${suite}.*:*/${suite}.*")
    set_tests_properties("${suite}" PROPERTIES ENVIRONMENT "KCOST_BUILD_DIR=${CMAKE_BINARY_DIR}")
  endforeach()
endif()

# The regression list (tests/regression_models.txt): every model type there must keep agreeing
# with `kcost validate` at the default points, under each implementation it lists. One ctest
# entry per implementation, so that ctest -j2 runs them side by side.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/regression_models.txt")
file(STRINGS "${CMAKE_SOURCE_DIR}/tests/regression_models.txt" KCOST_REGRESSION_LINES REGEX "^[a-z0-9_]")
foreach(impl sdpa eager)
  set(models "")
  foreach(line ${KCOST_REGRESSION_LINES})
    string(REGEX REPLACE "[ \t]+" ";" fields "${line}")
    list(GET fields 0 model)
    list(SUBLIST fields 1 -1 impls)
    if(impl IN_LIST impls)
      list(APPEND models ${model})
    endif()
  endforeach()
  add_test(NAME "regression_${impl}" COMMAND kcost validate ${models} --attn-implementation ${impl})
endforeach()

# Other small-config rules (tests/small_config_rules.txt): under each rule listed there, the
# models after it must keep agreeing (sdpa; `kcost validate --small-config-rule RULE`), one ctest
# entry per rule.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/small_config_rules.txt")
file(STRINGS "${CMAKE_SOURCE_DIR}/tests/small_config_rules.txt" KCOST_RULE_LINES REGEX "^[a-z0-9_]")
set(rule_index 0)
set(rule "")
set(rule_models "")
foreach(line ${KCOST_RULE_LINES} "rule: end")
  if(line MATCHES "^rule:[ ]*(.*)$")
    set(next_rule "${CMAKE_MATCH_1}")
    if(NOT rule STREQUAL "" AND rule_models)
      math(EXPR rule_index "${rule_index} + 1")
      add_test(NAME "small_config_rule_${rule_index}" COMMAND kcost validate ${rule_models} --small-config-rule "${rule}")
    endif()
    set(rule "${next_rule}")
    set(rule_models "")
  else()
    separate_arguments(line_models UNIX_COMMAND "${line}")
    list(APPEND rule_models ${line_models})
  endif()
endforeach()

# Other transformers versions (made by cmake/setup.sh when KCOST_EXTRA_TRANSFORMERS is set): the
# models tests/transformers_versions.txt lists for a version must agree there, under both
# implementations (a version it does not list: the first line's models).
file(STRINGS "${CMAKE_SOURCE_DIR}/tests/transformers_versions.txt" KCOST_VERSION_LINES REGEX "^[0-9]")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/transformers_versions.txt")
file(GLOB KCOST_EXTRA_ENVS LIST_DIRECTORIES true "${CMAKE_SOURCE_DIR}/.venv-transformers-*")
foreach(env ${KCOST_EXTRA_ENVS})
  get_filename_component(env_name "${env}" NAME)
  string(REPLACE ".venv-transformers-" "" version "${env_name}")
  set(version_models "")
  foreach(line ${KCOST_VERSION_LINES})
    string(REGEX REPLACE "^([^:]+):.*$" "\\1" line_version "${line}")
    string(REGEX REPLACE "^[^:]+:[ ]*" "" line_models "${line}")
    separate_arguments(line_models)
    if(NOT default_models)
      set(default_models ${line_models})
    endif()
    if(line_version STREQUAL version)
      set(version_models ${line_models})
    endif()
  endforeach()
  if(version_models STREQUAL "")
    set(version_models ${default_models})
  endif()
  foreach(impl sdpa eager)
    add_test(NAME "transformers_${version}_${impl}"
             COMMAND kcost validate ${version_models} --attn-implementation ${impl} --python-env "${env}")
  endforeach()
endforeach()

# A branch on a run-time size (`if attn_mask.shape[-1] > keep_window_size` in Doge's dynamic
# mask) is traced both ways and each arm counted where it holds: proven past Doge's keep window
# (2048) at decode and at a prefill that crosses it.
add_test(NAME runtime_branch_doge COMMAND kcost validate doge --points "1,1,2100;2,3,2047")

# Full size: the matmul-class FLOPs of published configs (Mistral-7B past its 4096 window, Gemma-3
# 1B's sliding layers past 512, GPT-2 XL's biased products) against FlopCounterMode counting a
# forward on the meta device (scripts/full_size_check.py; run it without arguments for every model
# it knows).
add_test(NAME full_size_flops
         COMMAND "${KCOST_PYTHON_ENV}/bin/python" "${CMAKE_SOURCE_DIR}/scripts/full_size_check.py"
                 mistral-7b gemma-3-1b gpt2-xl --points "1,1,9000;2,7,5000" --kcost $<TARGET_FILE:kcost>)
