# PbSdkFunctions.cmake -- pb_add_plugin() for native PocketBase-compatible plugins.
# Included by PbSdkConfig.cmake (installed SDK or source tree) and directly by in-tree builds:
#   include(<repo>/sdk/cmake/PbSdkFunctions.cmake)
#
# pb_add_plugin(<name> [OUTPUT_DIRECTORY <dir>] [NO_WARNINGS] <sources>...)
#   Creates a MODULE library <name>.so (no "lib" prefix) that:
#   - compiles C as C99 and C++ as C++17, position independent;
#   - uses hidden visibility, -fvisibility-inlines-hidden and (GCC) -fno-gnu-unique, so dlclose()
#     really unloads it and hot reload picks up new code;
#   - exports only pb_plugin_manifest_v1 / pb_plugin_init_v1 (linker version script on ELF);
#   - links with --no-undefined: a plugin must not import host symbols, only use the api table;
#   - is placed in <dir> (default: ${CMAKE_BINARY_DIR}/plugins), which is where `pbplug build`
#     looks for the result;
#   - gets -Wall -Wextra unless NO_WARNINGS.
include_guard(GLOBAL)

# Source tree: sdk/cmake -> sdk/include. Install: <prefix>/<libdir>/cmake/PbSdk -> <prefix>/include
# (libdir may be "lib" or "lib/<multiarch>").
foreach(_pb_rel ".." "../../.." "../../../..")
  if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/${_pb_rel}/include/pb_plugin.h")
    get_filename_component(_pb_inc "${CMAKE_CURRENT_LIST_DIR}/${_pb_rel}/include" ABSOLUTE)
    break()
  endif()
endforeach()
if(NOT _pb_inc)
  message(FATAL_ERROR "PbSdk: cannot find pb_plugin.h relative to ${CMAKE_CURRENT_LIST_DIR}")
endif()
# Functions are global but variables are per directory: keep the path in a global property.
set_property(GLOBAL PROPERTY PB_SDK_INCLUDE_DIR "${_pb_inc}")

function(pb_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 PBP "NO_WARNINGS" "OUTPUT_DIRECTORY" "")
  set(sources ${PBP_UNPARSED_ARGUMENTS})
  if(NOT sources)
    message(FATAL_ERROR "pb_add_plugin(${name}): no sources given")
  endif()
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "pb_add_plugin(${name}): the name must match [a-z][a-z0-9_]*")
  endif()
  if(NOT PBP_OUTPUT_DIRECTORY)
    set(PBP_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/plugins")
  endif()

  get_property(sdk_inc GLOBAL PROPERTY PB_SDK_INCLUDE_DIR)
  # Only the two entry points are exported (one shared linker version script).
  set(version_script "${CMAKE_BINARY_DIR}/pb_plugin_exports.map")
  if(NOT EXISTS "${version_script}")
    file(WRITE "${version_script}"
      "{\n  global:\n    pb_plugin_manifest_v1;\n    pb_plugin_init_v1;\n  local:\n    *;\n};\n")
  endif()

  add_library(${name} MODULE ${sources})
  target_include_directories(${name} PRIVATE "${sdk_inc}")
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${name}"
    LIBRARY_OUTPUT_DIRECTORY "${PBP_OUTPUT_DIRECTORY}"
    POSITION_INDEPENDENT_CODE ON
    C_STANDARD 99
    C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Multi-config generators: keep every config in the same directory.
  foreach(cfg ${CMAKE_CONFIGURATION_TYPES})
    string(TOUPPER "${cfg}" CFG)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY_${CFG} "${PBP_OUTPUT_DIRECTORY}")
  endforeach()
  target_compile_options(${name} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-fvisibility-inlines-hidden>
    $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-fno-gnu-unique>)
  if(NOT PBP_NO_WARNINGS)
    target_compile_options(${name} PRIVATE -Wall -Wextra)
  endif()
  target_compile_definitions(${name} PRIVATE PB_PLUGIN_NAME="${name}")
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${name} PRIVATE "LINKER:--version-script=${version_script}")
    # Sanitizer runtimes resolve some symbols from the executable; skip the check then.
    if(NOT PB_SANITIZE AND NOT CMAKE_CXX_FLAGS MATCHES "sanitize" AND NOT CMAKE_C_FLAGS MATCHES "sanitize")
      target_link_options(${name} PRIVATE "LINKER:--no-undefined")
    endif()
  endif()
endfunction()
