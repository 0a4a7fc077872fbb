#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# deps.sh - set up what the Cairn build needs from outside the repository.
#
#   tools/deps.sh packages     install the Debian packages that are missing
#   tools/deps.sh sources DIR  make sure DIR/src holds the verified source
#                              tarballs of picolibc and lwIP
#   tools/deps.sh all DIR      both
#   tools/deps.sh linux DIR    make sure DIR/linux/vmlinuz is a Debian kernel
#                              (the Linux guest of `tools/cairn bench --vs-linux`)
#
# Both are idempotent and fast (no network) when everything is already there.
# Third-party sources come from Debian source packages, fetched through a
# private apt state under DIR/apt: the system's apt configuration has no
# deb-src entries, and we must not change it. The mirror is whatever this
# machine's apt already uses; no host name is written down here.
set -euo pipefail

# Debian packages for the build, the boot image and the QEMU tests.
# gcc: clang used as a link driver for x86_64-unknown-none-elf runs gcc, and
# meson does exactly that to detect the linker when configuring picolibc.
# (Without --no-install-recommends gcc arrives via meson -> dpkg-dev ->
# build-essential; with it, nothing else pulls it in.)
# libc6-dev: the static glibc that the Linux benchmark program is linked with.
PACKAGES=(clang lld llvm libclang-rt-14-dev gcc libc6-dev cmake ninja-build meson python3
          qemu-system-x86 grub-pc-bin grub-common xorriso mtools dosfstools)

# The Linux guest's kernel for the benchmarks: this metapackage names the
# current kernel package, which is downloaded (not installed) and unpacked
# into the build tree.
LINUX_PACKAGE=linux-image-cloud-amd64

# Source tarballs: "source-package=version  file  sha256".
# picolibc 1.8.10 is only in trixie (bookworm has 1.8); lwIP is in bookworm.
SOURCES=(
    "picolibc=1.8.10-2 picolibc_1.8.10.orig.tar.gz d1fc2a20f217472f8d9da084a519a25678e8d91852a41c7f3f1840d3508f7163"
    "lwip=2.1.3+dfsg1-2 lwip_2.1.3+dfsg1.orig.tar.xz 0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24"
)

say() { echo "deps: $*"; }
die() { echo "deps: error: $*" >&2; exit 1; }

# Run a command as root: directly if we are root, else through sudo.
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root for '$1': run as root or install sudo"
    fi
}

# ---------------------------------------------------------------- packages

cmd_packages() {
    local installed missing=() p
    # One dpkg-query for all packages keeps the fast path well under a second.
    # Packages dpkg has never heard of are simply absent from its output.
    installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
    for p in "${PACKAGES[@]}"; do
        grep -qx "$p installed" <<<"$installed" || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "all packages present"
        return
    fi
    say "installing missing Debian packages: ${missing[*]}"
    # A fresh machine's package lists may be empty or stale.
    as_root apt-get update
    # CI has no standard input; recommended packages (GUI front ends, OVMF,
    # os-prober, ...) are not needed for grub-mkrescue or a headless QEMU.
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
}

# ---------------------------------------------------------------- sources

# The mirror URI of this machine's bookworm entry: deb822 files first, then
# one-line sources.list files. Prints nothing when there is none.
mirror_uri() {
    local f uri=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # deb822: paragraphs separated by blank lines; take the first URI of
        # the first enabled paragraph whose Suites has the word "bookworm".
        uri=$(awk '
            function flush() {
                if (!found && enabled && uris != "" && suites ~ /(^| )bookworm( |$)/) {
                    split(uris, u, " "); print u[1]; found = 1
                }
                uris = ""; suites = ""; enabled = 1
            }
            BEGIN { enabled = 1 }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            {
                key = tolower($1); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "uris:") uris = val
                else if (key == "suites:") suites = val
                else if (key == "enabled:" && tolower(val) == "no") enabled = 0
            }
            END { flush() }' "$f")
        [[ -n $uri ]] && { echo "$uri"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        # "deb [options] URI suite components..."
        uri=$(awk '$1 == "deb" {
                i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == "bookworm") { print $i; exit }
            }' "$f")
        [[ -n $uri ]] && { echo "$uri"; return; }
    done
}

# True when FILE exists and has sha256 SUM.
verified() {
    [[ -f $1 ]] && echo "$2  $1" | sha256sum --check --status
}

cmd_sources() {
    local dir=$1 entry spec file sum need=()
    mkdir -p "$dir/src"
    dir=$(cd "$dir" && pwd)   # apt runs in a temp dir: use absolute paths

    for entry in "${SOURCES[@]}"; do
        read -r spec file sum <<<"$entry"
        if verified "$dir/src/$file" "$sum"; then
            say "$file present and verified"
            continue
        fi
        if [[ -e $dir/src/$file ]]; then
            say "$file does not match its checksum (partial download?): fetching it again"
            rm -f "$dir/src/$file"
        fi
        need+=("$entry")
    done
    [[ ${#need[@]} -eq 0 ]] && return

    local uri apt=$dir/apt
    uri=$(mirror_uri)
    [[ -n $uri ]] || die "no bookworm entry in /etc/apt/sources.list{,.d/*}: cannot tell which mirror to use"
    say "fetching ${#need[@]} source package(s) from $uri with a private apt state in $apt"

    mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial"
    cat >"$apt/parts/src.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: trixie bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # Point every piece of state apt would write at $apt, so the system's
    # lists, cache and sources stay untouched.
    local opts=(-o Dir::Etc::SourceList=/dev/null
                -o Dir::Etc::SourceParts="$apt/parts"
                -o Dir::State::Lists="$apt/lists"
                -o Dir::Cache="$apt/cache")
    apt-get "${opts[@]}" update

    local tmp failed=()
    for entry in "${need[@]}"; do
        read -r spec file sum <<<"$entry"
        tmp=$(mktemp -d "$apt/fetch.XXXXXX")
        # As root, apt downloads as the unprivileged user _apt (a sandbox)
        # and warns and falls back to root when _apt cannot write here.
        if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
        # One package per apt-get call, so one failure does not hide another.
        # picolibc's .dsc answers 404, which makes apt-get fail although the
        # orig tarball arrives: judge by the tarball, not by the exit status.
        say "fetching $spec"
        (cd "$tmp" && apt-get "${opts[@]}" source --download-only "$spec") ||
            say "apt-get source $spec exited with $? (checking what arrived)"
        if [[ ! -f $tmp/$file ]]; then
            failed+=("$file (not downloaded)")
        elif verified "$tmp/$file" "$sum"; then
            mv "$tmp/$file" "$dir/src/$file"
            say "$file verified, stored in $dir/src"
        else
            failed+=("$file (sha256 mismatch, deleted; expected $sum)")
        fi
        rm -rf "$tmp"
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
        printf 'deps: error: %s\n' "${failed[@]}" >&2
        exit 1
    fi
}

# ---------------------------------------------------------------- linux

# DIR/linux/vmlinuz -> the kernel of the package LINUX_PACKAGE depends on,
# unpacked from its .deb into DIR/linux/PACKAGE_VERSION/ (only boot/: the
# guest needs no modules). The .deb comes through the system's apt, which
# checks it against the signed package index; it is not installed. Once
# there it is kept: remove DIR/linux to take a newer kernel.
cmd_linux() {
    local dir=$1/linux
    if [[ -f $dir/vmlinuz && -f $dir/version ]]; then
        say "Linux kernel present: $(cat "$dir/version")"
        return
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local pkg
    pkg=$(linux_package)
    if [[ -z $pkg ]]; then
        say "no candidate for $LINUX_PACKAGE in the package lists: updating them"
        as_root apt-get update
        pkg=$(linux_package)
    fi
    [[ -n $pkg ]] || die "cannot tell which kernel package $LINUX_PACKAGE depends on"
    local ver tmp
    ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
    [[ -n $ver && $ver != "(none)" ]] || die "no candidate version of $pkg"
    tmp=$(mktemp -d "$dir/fetch.XXXXXX")
    if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
    say "downloading $pkg $ver (about 27 MB) into $dir"
    (cd "$tmp" && apt-get download "$pkg=$ver") || { rm -rf "$tmp"; die "apt-get download $pkg failed"; }
    local deb
    deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
    [[ -n $deb ]] || { rm -rf "$tmp"; die "apt-get download $pkg left no .deb"; }
    local dest=$dir/${pkg}_$ver
    rm -rf "$dest"
    mkdir -p "$dest"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest" --wildcards './boot/*' ||
        { rm -rf "$tmp" "$dest"; die "cannot unpack $deb"; }
    rm -rf "$tmp"
    local vmlinuz
    vmlinuz=$(ls "$dest"/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [[ -n $vmlinuz ]] || die "$pkg has no boot/vmlinuz-*"
    ln -sfn "${vmlinuz#"$dir"/}" "$dir/vmlinuz"
    echo "$pkg $ver" >"$dir/version"
    say "Linux kernel ready: $dir/vmlinuz ($pkg $ver)"
}

# The versioned kernel package the metapackage depends on, or nothing.
linux_package() {
    apt-cache depends "$LINUX_PACKAGE" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# ---------------------------------------------------------------- main

usage() {
    echo "usage: $0 packages | sources DIR | all DIR | linux DIR" >&2
    exit 2
}

case ${1:-} in
    packages) [[ $# -eq 1 ]] || usage; cmd_packages ;;
    sources)  [[ $# -eq 2 ]] || usage; cmd_sources "$2" ;;
    all)      [[ $# -eq 2 ]] || usage; cmd_packages; cmd_sources "$2" ;;
    linux)    [[ $# -eq 2 ]] || usage; cmd_linux "$2" ;;
    *)        usage ;;
esac
