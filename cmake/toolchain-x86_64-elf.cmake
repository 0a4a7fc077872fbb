# SPDX-License-Identifier: BSD-2-Clause
#
# Cross toolchain for Cairn: clang/lld/llvm targeting bare x86_64 ELF.
# Used for the kernel and for ring-3 programs (which link picolibc).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER clang)
set(CMAKE_ASM_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET x86_64-unknown-none-elf)
set(CMAKE_ASM_COMPILER_TARGET x86_64-unknown-none-elf)

# Nothing can be linked before our own start-up code and linker scripts
# exist, so CMake's compiler checks must not try to link an executable.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# clang used as a link driver for this target silently runs the host's gcc:
# everything links with ld.lld directly.
find_program(CMAKE_LINKER NAMES ld.lld ld.lld-14 REQUIRED)
find_program(CMAKE_AR NAMES llvm-ar llvm-ar-14 REQUIRED)
find_program(CMAKE_RANLIB NAMES llvm-ranlib llvm-ranlib-14 REQUIRED)
find_program(CMAKE_OBJCOPY NAMES llvm-objcopy llvm-objcopy-14 REQUIRED)
find_program(CMAKE_NM NAMES llvm-nm llvm-nm-14 REQUIRED)

# Never pick up the build machine's headers or libraries.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
