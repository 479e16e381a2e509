# Finds what kcost builds against: the embedded CPython of the project environment,
# pybind11, GiNaC, Boost.Program_options, nlohmann/json and GoogleTest.
set(Python3_EXECUTABLE "${KCOST_PYTHON_ENV}/bin/python")
if(NOT EXISTS "${Python3_EXECUTABLE}")
  message(FATAL_ERROR "No Python environment at ${KCOST_PYTHON_ENV}: run cmake/setup.sh "
                      "or pass -DKCOST_PYTHON_ENV=DIR")
endif()
find_package(Python3 3.9 REQUIRED COMPONENTS Interpreter Development.Embed)

if(NOT pybind11_DIR)
  execute_process(COMMAND "${Python3_EXECUTABLE}" -m pybind11 --cmakedir
                  OUTPUT_VARIABLE pybind11_DIR OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE pybind11_rc)
  if(NOT pybind11_rc EQUAL 0)
    message(FATAL_ERROR "pybind11 is not installed in ${KCOST_PYTHON_ENV}: run cmake/setup.sh")
  endif()
endif()
find_package(pybind11 CONFIG REQUIRED)

find_package(PkgConfig REQUIRED)
pkg_check_modules(GINAC REQUIRED IMPORTED_TARGET ginac)
find_package(Boost REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3 REQUIRED)
find_package(GTest REQUIRED)
