# PbCoreDependencies.cmake -- the libraries pbcore's interface links, in one place. Included by the
# top-level CMakeLists.txt (building pbcore) and, installed next to PbCoreConfig.cmake, by
# find_package(PbCore) (programs built on the installed package, docs/framework.md), so both
# define the same imported targets.
#
# A new pkg-config dependency is one "<PREFIX> <module>" line in PB_CORE_PKG_MODULES: the build and
# the installed package both find it and pbcore links PkgConfig::<PREFIX> publicly.
set(PB_CORE_PKG_MODULES
  PISTACHE libpistache
  LIBCRYPT libcrypt
  GDLIB gdlib    # thumbnails (core/files/thumbs.cpp)
  LIBZIP libzip  # backup archives (core/backup/)
  RE2 re2        # linear-time regexes in Go's syntax, for all client data (core/util/regex.hpp)
)
# find_package() arguments, one package per item, and the targets pbcore links from them
# (libcurl: the mailer's SMTP client, core/mail/smtp.cpp).
set(PB_CORE_PACKAGES "CURL" "SQLite3" "fmt CONFIG" "Boost 1.74" "OpenSSL" "ZLIB" "Threads")
set(PB_CORE_PACKAGE_TARGETS CURL::libcurl SQLite::SQLite3 fmt::fmt Boost::headers OpenSSL::Crypto ZLIB::ZLIB
    Threads::Threads)

# pb_core_find_dependencies(BUILD|PACKAGE): finds everything above and sets PB_CORE_LINK_LIBRARIES.
# BUILD: each one is REQUIRED. PACKAGE (from PbCoreConfig.cmake): a missing one sets PbCore_FOUND
# to FALSE with a message naming it and returns from the config file, as find_dependency() does.
# A macro, not a function: the imported targets and that return() must act in the caller's scope.
macro(pb_core_find_dependencies _pb_mode)
  if("${_pb_mode}" STREQUAL "PACKAGE")
    set(_pb_need QUIET)
  else()
    set(_pb_need REQUIRED)
  endif()
  find_package(PkgConfig ${_pb_need})
  if(NOT PkgConfig_FOUND)
    _pb_core_missing("pkg-config")
  endif()
  set(PB_CORE_LINK_LIBRARIES "")
  set(_pb_modules ${PB_CORE_PKG_MODULES})
  while(_pb_modules)
    list(POP_FRONT _pb_modules _pb_prefix _pb_module)
    pkg_check_modules(${_pb_prefix} ${_pb_need} IMPORTED_TARGET ${_pb_module})
    if(NOT ${_pb_prefix}_FOUND)
      _pb_core_missing("the pkg-config module ${_pb_module}")
    endif()
    list(APPEND PB_CORE_LINK_LIBRARIES PkgConfig::${_pb_prefix})
  endwhile()
  foreach(_pb_package IN LISTS PB_CORE_PACKAGES)
    separate_arguments(_pb_args UNIX_COMMAND "${_pb_package}")
    find_package(${_pb_args} ${_pb_need})
    list(GET _pb_args 0 _pb_name)
    if(NOT ${_pb_name}_FOUND)
      _pb_core_missing("the CMake package ${_pb_name}")
    endif()
  endforeach()
  list(APPEND PB_CORE_LINK_LIBRARIES ${PB_CORE_PACKAGE_TARGETS} ${CMAKE_DL_LIBS})
endmacro()

macro(_pb_core_missing _pb_what)
  set(PbCore_NOT_FOUND_MESSAGE "PbCore needs ${_pb_what}, which was not found")
  set(PbCore_FOUND FALSE)
  return()
endmacro()
