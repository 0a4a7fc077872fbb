#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# ctest picolibc_link: compile smoke.c for Cairn's ring 3, link it with
# ld.lld against picolibc and the clang builtins, then check that the result
# is a static ELF64 x86-64 executable with no undefined symbols, no dynamic
# section, and no instruction that enters the Linux kernel (or needs ring 0).
#
# Environment, set by cmake/picolibc.cmake: CC LD READELF OBJDUMP,
# PICOLIBC (install prefix), BUILTINS (libclang_rt.builtins), OUT (work dir).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
elf=$OUT/smoke.elf
fail() { echo "picolibc_link: FAIL: $*" >&2; exit 1; }

mkdir -p "$OUT"
# -nostdlibinc: clang would otherwise fall back to the host's /usr/include.
"$CC" --target=x86_64-unknown-none-elf -march=x86-64 -fno-pic -fno-PIE \
	-nostdlibinc -isystem "$PICOLIBC/include" -O2 -Wall -Wextra -Werror \
	-c "$here/smoke.c" -o "$OUT/smoke.o"
# ld.lld directly: clang as the link driver for this target runs gcc.
# ld.lld fails on an undefined symbol by itself.
"$LD" -static -nostdlib -T "$here/user.ld" -o "$elf" \
	"$OUT/smoke.o" "$PICOLIBC/lib/libc.a" "$BUILTINS"

hdr=$("$READELF" --file-header "$elf")
grep -Eq 'Class: +ELF64' <<<"$hdr" || fail "not ELF64"
grep -Eq 'Machine: +Advanced Micro Devices X86-64' <<<"$hdr" || fail "not x86-64"
grep -Eq 'Type: +EXEC' <<<"$hdr" || fail "not a static executable (ET_EXEC)"

if "$READELF" --program-headers "$elf" | grep -Eq '^ *(DYNAMIC|INTERP) '; then
	fail "has a dynamic segment or an interpreter"
fi
if "$READELF" --section-headers "$elf" | grep -q ' \.dynamic '; then
	fail "has a .dynamic section"
fi

# Weak undefined symbols link silently as address 0, so look for any.
undef=$("$READELF" --symbols "$elf" | awk '$7 == "UND" && $8 != "" { print $8 }')
[[ -z $undef ]] || fail "undefined symbols: ${undef//$'\n'/ }"

# syscall/sysenter/int 0x80 would be Linux system calls; wrmsr/rdmsr (as in
# picolibc's default __set_tcb) fault in ring 3.
# shellcheck disable=SC2016 # the $ is the regex's
bad=$("$OBJDUMP" -d --no-show-raw-insn --print-imm-hex "$elf" |
	grep -E '[[:space:]](syscall|sysenter|int[[:space:]]+\$0x80|wrmsr|rdmsr)([[:space:]]|$)' || true)
[[ -z $bad ]] || fail "forbidden instructions:"$'\n'"$bad"

echo "picolibc_link: PASS ($elf: static ELF64 x86-64, no undefined symbols, no syscalls)"
