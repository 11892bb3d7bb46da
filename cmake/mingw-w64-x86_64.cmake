# Cross-compiling for 64-bit Windows with Debian's MinGW-w64 (g++-mingw-w64-x86-64-posix: GCC with POSIX
# threads, so std::thread and std::mutex work). Used for the project (scripts/build-windows.sh) and for
# the dependencies built from Debian source packages (scripts/setup-windows-deps.sh).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(SMTPWB_MINGW_TRIPLET x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${SMTPWB_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${SMTPWB_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${SMTPWB_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${SMTPWB_MINGW_TRIPLET}-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB ${SMTPWB_MINGW_TRIPLET}-gcc-ranlib-posix CACHE FILEPATH "")

# The Windows dependency prefix (.deps/windows/prefix) comes first; the MinGW sysroot after it.
# Nothing from the Linux system (/usr/include, /usr/lib) may leak into a Windows build.
get_filename_component(_smtpwb_source_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(SMTPWB_WINDOWS_PREFIX "${_smtpwb_source_dir}/.deps/windows/prefix" CACHE PATH "Windows dependency prefix")
set(CMAKE_FIND_ROOT_PATH "${SMTPWB_WINDOWS_PREFIX}" /usr/${SMTPWB_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config (Debian's cross wrapper) searches the prefix and the MinGW sysroot only.
set(PKG_CONFIG_EXECUTABLE ${SMTPWB_MINGW_TRIPLET}-pkg-config CACHE FILEPATH "")
set(ENV{PKG_CONFIG_LIBDIR} "${SMTPWB_WINDOWS_PREFIX}/lib/pkgconfig:${SMTPWB_WINDOWS_PREFIX}/share/pkgconfig:/usr/${SMTPWB_MINGW_TRIPLET}/lib/pkgconfig")

# One self-contained .exe: the C and C++ runtimes and winpthread linked in, no MinGW DLLs to ship.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
# Target Windows 10 (WSAPoll, DnsQueryEx, virtual-terminal console output).
set(CMAKE_C_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00")
set(CMAKE_CXX_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00")

# Test executables run under Wine (tests/windows/wine-run.sh); ctest and catch_discover_tests use this.
set(CMAKE_CROSSCOMPILING_EMULATOR "${_smtpwb_source_dir}/tests/windows/wine-run.sh" CACHE FILEPATH "")
