# SPDX-License-Identifier: BSD-2-Clause
#
# picolibc: the C library of Cairn's ring-3 programs.
#
# Built from the Debian source package's orig tarball (fetched and verified
# by `tools/deps.sh sources ${CAIRN_DEPS_DIR}`) with meson, as an
# ExternalProject that is part of `all`; its stamps make later builds a
# no-op. Installed into ${CMAKE_BINARY_DIR}/picolibc/{include,lib}.
#
# Gives the including CMakeLists:
#   PICOLIBC_INCLUDE_DIR  installed headers
#   PICOLIBC_LIBC         path of libc.a
#   CLANG_RT_BUILTINS     compiler runtime (libclang_rt.builtins-x86_64.a)
#   picolibc              the ExternalProject target (to depend on)
#   picolibc::libc        interface target: headers, -nostdlibinc, libc.a and
#                         the builtins, with the dependency on `picolibc`
# and the ctest `picolibc_link` (a static link with no syscalls inside).
include(ExternalProject)

set(PICOLIBC_VERSION 1.8.10)
set(PICOLIBC_SHA256 d1fc2a20f217472f8d9da084a519a25678e8d91852a41c7f3f1840d3508f7163)
set(PICOLIBC_TARBALL "${CAIRN_DEPS_DIR}/src/picolibc_${PICOLIBC_VERSION}.orig.tar.gz")
set(PICOLIBC_PREFIX "${CMAKE_BINARY_DIR}/picolibc")
set(PICOLIBC_INCLUDE_DIR "${PICOLIBC_PREFIX}/include")
set(PICOLIBC_LIBC "${PICOLIBC_PREFIX}/lib/libc.a")

if(NOT EXISTS "${PICOLIBC_TARBALL}")
    message(FATAL_ERROR "${PICOLIBC_TARBALL} is missing: "
        "run tools/deps.sh sources ${CAIRN_DEPS_DIR}")
endif()
message(STATUS "picolibc ${PICOLIBC_VERSION}: building from the Debian source package")

# Unversioned names first; Debian also ships the -14 suffixed ones.
find_program(CAIRN_CLANG NAMES clang clang-14 REQUIRED)
find_program(CAIRN_LD_LLD NAMES ld.lld ld.lld-14 REQUIRED)
find_program(CAIRN_LLVM_AR NAMES llvm-ar llvm-ar-14 REQUIRED)
find_program(CAIRN_LLVM_NM NAMES llvm-nm llvm-nm-14 REQUIRED)
find_program(CAIRN_LLVM_STRIP NAMES llvm-strip llvm-strip-14 REQUIRED)
find_program(CAIRN_LLVM_OBJCOPY NAMES llvm-objcopy llvm-objcopy-14 REQUIRED)
find_program(CAIRN_LLVM_READELF NAMES llvm-readelf llvm-readelf-14 REQUIRED)
find_program(CAIRN_LLVM_OBJDUMP NAMES llvm-objdump llvm-objdump-14 REQUIRED)
find_program(CAIRN_MESON NAMES meson REQUIRED)
find_program(CAIRN_NINJA NAMES ninja ninja-build REQUIRED)

# `clang -print-libgcc-file-name` names a file that does not exist for this
# target; the Linux builtins archive is the same code and works freestanding.
execute_process(COMMAND "${CAIRN_CLANG}" -print-resource-dir
    OUTPUT_VARIABLE _clang_resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
set(CLANG_RT_BUILTINS "${_clang_resource_dir}/lib/linux/libclang_rt.builtins-x86_64.a")
if(NOT EXISTS "${CLANG_RT_BUILTINS}")
    message(FATAL_ERROR "${CLANG_RT_BUILTINS} is missing: "
        "install libclang-rt-14-dev (tools/deps.sh packages)")
endif()

# Meson cross file. -nostdlibinc: clang searches /usr/include even for
# this target, and no build machine header may leak into the library.
set(_picolibc_cross "${CMAKE_BINARY_DIR}/picolibc-cross.txt")
file(CONFIGURE OUTPUT "${_picolibc_cross}" @ONLY CONTENT [=[
[binaries]
c = ['@CAIRN_CLANG@', '--target=x86_64-unknown-none-elf', '-march=x86-64', '-fno-pic', '-fno-PIE', '-static', '-nostdlib', '-nostdlibinc']
c_ld = 'lld'
ar = '@CAIRN_LLVM_AR@'
nm = '@CAIRN_LLVM_NM@'
strip = '@CAIRN_LLVM_STRIP@'
objcopy = '@CAIRN_LLVM_OBJCOPY@'

[host_machine]
system = 'none'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'

[properties]
skip_sanity_check = true
]=])

# picocrt=false: picolibc's x86 crt0 starts in real mode and uses wrmsr, so
# it cannot run in ring 3; libsys provides _start. posix-console: stdio goes
# through read/write, which libsys maps onto Cairn's console channel.
set(_picolibc_options
    --cross-file "${_picolibc_cross}"
    --prefix "${PICOLIBC_PREFIX}"
    -Dincludedir=include -Dlibdir=lib -Dspecsdir=none
    -Dmultilib=false -Dpicocrt=false -Dsemihost=false -Dtests=false
    -Dtinystdio=true -Dposix-console=true -Dthread-local-storage=picolibc)

# meson 1.0 refuses `setup` on a configured directory and `--wipe` on an
# empty one, so a re-run of the configure step starts from a fresh
# directory (<BINARY_DIR>/meson).
ExternalProject_Add(picolibc
    URL "${PICOLIBC_TARBALL}"
    URL_HASH SHA256=${PICOLIBC_SHA256}
    DOWNLOAD_EXTRACT_TIMESTAMP TRUE
    CONFIGURE_COMMAND "${CMAKE_COMMAND}" -E rm -rf <BINARY_DIR>/meson
        COMMAND "${CAIRN_MESON}" setup ${_picolibc_options} <BINARY_DIR>/meson <SOURCE_DIR>
    BUILD_COMMAND "${CAIRN_NINJA}" -C <BINARY_DIR>/meson
    INSTALL_COMMAND "${CAIRN_MESON}" install -C <BINARY_DIR>/meson
    BUILD_BYPRODUCTS "${PICOLIBC_LIBC}"
    LOG_CONFIGURE TRUE LOG_BUILD TRUE LOG_INSTALL TRUE LOG_OUTPUT_ON_FAILURE TRUE)
# A changed cross file (other compiler found) must reconfigure.
ExternalProject_Add_StepDependencies(picolibc configure "${_picolibc_cross}")

# The include directory must exist at configure time for the interface target.
file(MAKE_DIRECTORY "${PICOLIBC_INCLUDE_DIR}")
add_library(cairn_picolibc INTERFACE)
add_library(picolibc::libc ALIAS cairn_picolibc)
target_include_directories(cairn_picolibc SYSTEM INTERFACE "${PICOLIBC_INCLUDE_DIR}")
target_compile_options(cairn_picolibc INTERFACE -nostdlibinc)
target_link_libraries(cairn_picolibc INTERFACE "${PICOLIBC_LIBC}" "${CLANG_RT_BUILTINS}")
add_dependencies(cairn_picolibc picolibc)

# Scaffolding until userspace lands: prove picolibc links into a static
# ring-3 executable with no undefined symbols and no Linux syscalls.
add_test(NAME picolibc_link
    COMMAND "${CMAKE_COMMAND}" -E env
        "CC=${CAIRN_CLANG}" "LD=${CAIRN_LD_LLD}"
        "READELF=${CAIRN_LLVM_READELF}" "OBJDUMP=${CAIRN_LLVM_OBJDUMP}"
        "PICOLIBC=${PICOLIBC_PREFIX}" "BUILTINS=${CLANG_RT_BUILTINS}"
        "OUT=${CMAKE_BINARY_DIR}/picolibc-link-test"
        bash "${CMAKE_CURRENT_LIST_DIR}/../tests/picolibc/check-link.sh")
