#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Assemble a bootable GRUB2 ISO (BIOS) for Cairn.
#   tools/mkiso.sh OUT.iso KERNEL.elf 'KERNEL COMMAND LINE' [FILE[=ARGS]]...
# Each FILE becomes a multiboot2 module (module2) whose command line is its
# base name followed by ARGS. The first module will be init (next issues).
set -euo pipefail

out=$1 kernel=$2 cmdline=${3-}
shift $(($# < 3 ? $# : 3))

# grub.cfg is a script: refuse characters that would change its meaning
# rather than quote them (kernel and module arguments never need them).
for arg in "$cmdline" "$@"; do
    if [[ $arg =~ [\;\$\#\"\'\`\{\}\\] ]]; then
        echo "mkiso: refusing argument with a GRUB script character: $arg" >&2
        exit 2
    fi
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/modules"
cp "$kernel" "$stage/boot/kernel.elf"

{
    echo 'set timeout=0'
    echo 'set default=0'
    # GRUB's own errors (missing file, bad header) then show on the serial
    # console, where the test runner and `cairn run` read.
    echo 'serial --unit=0 --speed=115200'
    echo 'terminal_output serial console'
    echo 'menuentry "Cairn" {'
    echo "    multiboot2 /boot/kernel.elf $cmdline"
    for spec in "$@"; do
        file=${spec%%=*}
        args=
        [[ $spec == *=* ]] && args=" ${spec#*=}"
        name=$(basename "$file")
        cp "$file" "$stage/boot/modules/$name"
        echo "    module2 /boot/modules/$name $name$args"
    done
    echo '    boot'
    echo '}'
} > "$stage/boot/grub/grub.cfg"

log=$(mktemp)
if ! grub-mkrescue -o "$out.tmp" "$stage" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log" "$out.tmp"
    echo "mkiso: grub-mkrescue failed" >&2
    exit 1
fi
rm -f "$log"
mv "$out.tmp" "$out"
