# Sanitizer and fuzzing builds (issue 7), used by scripts/sanitize.sh in build-asan/ and build-tsan/.
#   SMTPWB_SANITIZE=address,undefined  or  thread: every target below this point is instrumented.
#   SMTPWB_FUZZ=ON (clang only): the libFuzzer targets in tests/fuzz/, with the engine compiled for
#   coverage feedback so the fuzzer sees inside the parsers it calls.
set(SMTPWB_SANITIZE "" CACHE STRING "Sanitizers for every target (-fsanitize=...): address,undefined | thread | empty")
option(SMTPWB_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(SMTPWB_SANITIZE)
  # Any finding aborts the test that hit it: a sanitizer report is a failure, never a warning.
  add_compile_options(-fsanitize=${SMTPWB_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${SMTPWB_SANITIZE})
endif()

if(SMTPWB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SMTPWB_FUZZ needs clang (libFuzzer): configure with CXX=clang++ CC=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
