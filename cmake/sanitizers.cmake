# Sanitizers as INTERFACE targets, one per sanitizer, so each build picks exactly the ones it
# wants (TCPLAN_SANITIZE=address,undefined for the ASan suite, =thread for the TSan suite) and
# the flags reach every tcplan object and link through tcplan_warnings, which every tcplan
# target links. Nothing here is a global flag: third-party code built in the tree (none today)
# would stay uninstrumented.

set(TCPLAN_SANITIZE "" CACHE STRING
    "Sanitizers, comma-separated: address, undefined, thread (ON = address,undefined)")
option(TCPLAN_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

add_library(tcplan_sanitize_address INTERFACE)
# GCC 12 with ASan at -O1 reports -Wmaybe-uninitialized inside libstdc++'s std::regex (a
# std::function in its NFA states, in the audit tests and the credentials fuzz target): the
# instrumentation hides the initialisation from the warning's flow analysis. The release
# build (-O2, no sanitizer) keeps the warning as an error.
target_compile_options(tcplan_sanitize_address INTERFACE -fsanitize=address -fno-omit-frame-pointer
  -Wno-maybe-uninitialized)
# Executables are linked without PIE: ASan's and UBSan's metadata (a record per global, type
# descriptors) made a PIE tcplan carry a million relative relocations, which the loader
# applies, page by page, at every start — 0.35 s of CPU for `tcplan --version`, and the
# end-to-end tests start tcplan thousands of times. Without PIE the addresses are fixed at
# link time: 0.17 s (docs/benchmarks.md, "Build and CI"). The objects stay -fPIE.
target_link_options(tcplan_sanitize_address INTERFACE -fsanitize=address
  $<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:-no-pie>)

# Any undefined behaviour stops the test that hit it: a report nobody reads is no check.
add_library(tcplan_sanitize_undefined INTERFACE)
target_compile_options(tcplan_sanitize_undefined INTERFACE
  -fsanitize=undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
target_link_options(tcplan_sanitize_undefined INTERFACE -fsanitize=undefined)

add_library(tcplan_sanitize_thread INTERFACE)
target_compile_options(tcplan_sanitize_thread INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
# TSan does not model std::atomic_thread_fence (GCC warns, -Werror stops): Asio's fenced
# blocks around handler calls become no-ops, and its scheduler's mutexes, which TSan does
# see, order the handlers.
target_compile_definitions(tcplan_sanitize_thread INTERFACE BOOST_ASIO_DISABLE_FENCED_BLOCK)
target_link_options(tcplan_sanitize_thread INTERFACE -fsanitize=thread)

# Coverage instrumentation for libFuzzer in every library a fuzz target links; the fuzz
# executables themselves add -fsanitize=fuzzer (which brings libFuzzer's main).
add_library(tcplan_sanitize_fuzzer INTERFACE)
target_compile_options(tcplan_sanitize_fuzzer INTERFACE -fsanitize=fuzzer-no-link)
target_link_options(tcplan_sanitize_fuzzer INTERFACE -fsanitize=fuzzer-no-link)

add_library(tcplan_sanitizers INTERFACE)
set(tcplan_sanitizer_list ${TCPLAN_SANITIZE})
if(tcplan_sanitizer_list STREQUAL "ON")
  set(tcplan_sanitizer_list "address,undefined")
elseif(tcplan_sanitizer_list STREQUAL "OFF")
  set(tcplan_sanitizer_list "")
endif()
string(REPLACE "," ";" tcplan_sanitizer_list "${tcplan_sanitizer_list}")
foreach(s IN LISTS tcplan_sanitizer_list)
  if(NOT s MATCHES "^(address|undefined|thread)$")
    message(FATAL_ERROR "TCPLAN_SANITIZE: unknown sanitizer '${s}' (address, undefined, thread)")
  endif()
  target_link_libraries(tcplan_sanitizers INTERFACE tcplan_sanitize_${s})
endforeach()
if("thread" IN_LIST tcplan_sanitizer_list AND "address" IN_LIST tcplan_sanitizer_list)
  message(FATAL_ERROR "TCPLAN_SANITIZE: thread and address cannot be combined")
endif()
if(TCPLAN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TCPLAN_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  target_link_libraries(tcplan_sanitizers INTERFACE tcplan_sanitize_fuzzer)
endif()
