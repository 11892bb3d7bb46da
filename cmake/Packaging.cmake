# Release packages (issue 15), made by CPack from the install rules:
#   Linux build:   cpack -G DEB  -> smtp-workbench_<version>_<arch>.deb (binaries, desktop entry, icon;
#                  Depends: computed by dpkg-shlibdeps from the binaries' shared libraries)
#   Windows build: cpack -G ZIP  -> smtp-workbench-<version>-win64.zip (the .exe files, the licence texts
#                  of the libraries linked into them, a short README)
# tests/packaging/deb_test.sh builds, installs, runs and removes the .deb.
set(CPACK_PACKAGE_NAME smtp-workbench)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "SMTP Workbench")
set(CPACK_PACKAGE_CONTACT "SMTP Workbench maintainers <smtp-workbench@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SMTP connection tester with a live transcript")
set(CPACK_PACKAGE_DESCRIPTION
    "Tests an SMTP server: connection, STARTTLS or implicit TLS, authentication and a test message, with a live transcript, TLS details and hints for what went wrong. A window and a command-line check on the same engine.")
set(CPACK_STRIP_FILES ON)  # the build's debug information stays in the build tree
set(CPACK_OUTPUT_FILE_PREFIX "${CMAKE_BINARY_DIR}/packages")

if(WIN32)
  set(CPACK_GENERATOR ZIP)
  set(CPACK_PACKAGE_FILE_NAME "smtp-workbench-${PROJECT_VERSION}-win64")
  set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
  # Each library's debian/copyright, kept by scripts/setup-windows-deps.sh, as licenses/<package>.txt.
  file(GLOB _smtpwb_licences LIST_DIRECTORIES false "${SMTPWB_DEPS_PREFIX}/share/licenses/*/copyright")
  if(NOT _smtpwb_licences)
    message(WARNING "no licence texts in ${SMTPWB_DEPS_PREFIX}/share/licenses: the zip would lack them")
  endif()
  foreach(_copyright IN LISTS _smtpwb_licences)
    get_filename_component(_dir "${_copyright}" DIRECTORY)
    get_filename_component(_package "${_dir}" NAME)
    if(_package STREQUAL "catch2")
      continue()  # the test framework is in no shipped program
    endif()
    file(READ "${_dir}/VERSION" _version)
    file(READ "${_copyright}" _text)
    string(REPLACE "\n" "\r\n" _text "${_version}\n${_text}")  # readable in Notepad
    file(WRITE "${CMAKE_BINARY_DIR}/licenses/${_package}.txt" "${_text}")
    install(FILES "${CMAKE_BINARY_DIR}/licenses/${_package}.txt" DESTINATION licenses)
  endforeach()
  configure_file("${PROJECT_SOURCE_DIR}/packaging/README-windows.txt.in" "${CMAKE_BINARY_DIR}/README.txt"
                 @ONLY NEWLINE_STYLE CRLF)
  install(FILES "${CMAKE_BINARY_DIR}/README.txt" DESTINATION .)
else()
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  # Saved passwords need a Secret Service (libsecret talks to it); the window works without one.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnome-keyring | kwalletmanager")
  # mbedTLS and Dear ImGui are linked statically, so their licence texts travel in the package.
  set(_smtpwb_copyright "${CMAKE_BINARY_DIR}/debian-copyright")
  file(WRITE "${_smtpwb_copyright}"
       "SMTP Workbench ${PROJECT_VERSION}\n\nStatically linked into the binaries (their Debian copyright files follow):\n")
  foreach(_copyright "${SMTPWB_DEPS_PREFIX}/share/doc/libimgui-dev/copyright")
    if(EXISTS "${_copyright}")
      file(READ "${_copyright}" _text)
      file(APPEND "${_smtpwb_copyright}" "\n----- ${_copyright}\n${_text}")
    endif()
  endforeach()
  file(APPEND "${_smtpwb_copyright}" "\nmbedTLS 3.6 (built from Debian's source package): Apache-2.0 OR GPL-2.0-or-later\n")
  install(FILES "${_smtpwb_copyright}" DESTINATION share/doc/smtp-workbench RENAME copyright)
endif()

include(CPack)
