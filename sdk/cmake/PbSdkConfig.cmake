# PbSdkConfig.cmake -- find_package(PbSdk) for out-of-tree plugin projects.
# Works from the source tree (sdk/cmake) and from an install (<prefix>/lib/cmake/PbSdk).
# Provides: PbSdk_INCLUDE_DIRS, the INTERFACE target PbSdk::sdk, pb_add_plugin(), and
# PbSdk_ABI_MAJOR / PbSdk_ABI_MINOR read from pb_plugin.h.
include("${CMAKE_CURRENT_LIST_DIR}/PbSdkFunctions.cmake")

get_property(PbSdk_INCLUDE_DIRS GLOBAL PROPERTY PB_SDK_INCLUDE_DIR)
if(NOT TARGET PbSdk::sdk)
  add_library(PbSdk::sdk INTERFACE IMPORTED)
  set_target_properties(PbSdk::sdk PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${PbSdk_INCLUDE_DIRS}")
endif()

file(STRINGS "${PbSdk_INCLUDE_DIRS}/pb_plugin.h" _pb_abi_lines REGEX "^#define PB_ABI_(MAJOR|MINOR) ")
foreach(_l ${_pb_abi_lines})
  if(_l MATCHES "PB_ABI_MAJOR ([0-9]+)")
    set(PbSdk_ABI_MAJOR ${CMAKE_MATCH_1})
  elseif(_l MATCHES "PB_ABI_MINOR ([0-9]+)")
    set(PbSdk_ABI_MINOR ${CMAKE_MATCH_1})
  endif()
endforeach()
set(PbSdk_FOUND TRUE)
