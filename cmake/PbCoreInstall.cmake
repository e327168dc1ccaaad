# PbCoreInstall.cmake -- install rules of the PbCore package (framework mode, docs/framework.md).
#   cmake --install <build> --component framework [--prefix P] lays out
#     P/include/pbcore/...            the core headers, same paths as core/ ("app/app.hpp")
#     P/include/pb_plugin.h, pb/...   the SDK headers core includes (sdk/CMakeLists.txt)
#     P/lib/libpbcore.a
#     P/lib/cmake/PbCore/             PbCoreConfig.cmake (+ Version, Targets, Dependencies)
#   find_package(PbCore) then gives the imported target PbCore::core.
include(CMakePackageConfigHelpers)
set(PB_CORE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/PbCore)

install(TARGETS pbcore EXPORT PbCoreTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT framework)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/core/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pbcore COMPONENT framework
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(EXPORT PbCoreTargets NAMESPACE PbCore:: DESTINATION ${PB_CORE_CMAKE_DIR} COMPONENT framework)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/PbCoreConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_SOURCE_DIR}/cmake/PbCoreConfig.cmake ${CMAKE_SOURCE_DIR}/cmake/PbCoreDependencies.cmake
        ${CMAKE_BINARY_DIR}/PbCoreConfigVersion.cmake
        DESTINATION ${PB_CORE_CMAKE_DIR} COMPONENT framework)
