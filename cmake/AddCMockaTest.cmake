# landfall_add_cmocka_test(NAME LIBS...)
# Builds tests/NAME.c against cmocka and the given libraries and registers
# it with ctest, the way libssh's add_cmocka_test() registers torture tests.
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

function(landfall_add_cmocka_test name)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/${name}.c)
  target_link_libraries(${name} PRIVATE PkgConfig::CMOCKA ${ARGN})
  target_compile_definitions(${name} PRIVATE
    LANDFALL_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    LANDFALL_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout;LANDFALL_BIN=$<TARGET_FILE:landfall>"
    TIMEOUT 300)
endfunction()
