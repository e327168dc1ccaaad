# PbCoreConfig.cmake -- find_package(PbCore) for programs built on the installed pbcore
# (docs/framework.md). Defines PbCore::core: the static library, its include folders
# (<prefix>/include/pbcore for "app/app.hpp", <prefix>/include for <pb_plugin.h>) and what it
# links, found here as the build found it (PbCoreDependencies.cmake).
include("${CMAKE_CURRENT_LIST_DIR}/PbCoreDependencies.cmake")
pb_core_find_dependencies(PACKAGE)  # returns with PbCore_FOUND FALSE if one is missing
if(NOT TARGET PbCore::core)
  include("${CMAKE_CURRENT_LIST_DIR}/PbCoreTargets.cmake")
endif()
