# SPDX-License-Identifier: BSD-2-Clause
#
# lwIP 2.1.3, the network stack of the net server (NO_SYS=1). For now only
# located and checked: `tools/deps.sh sources ${CAIRN_DEPS_DIR}` fetches
# the Debian orig tarball; the build comes later.
#
# Gives the including CMakeLists: LWIP_VERSION, LWIP_TARBALL, LWIP_SHA256.
set(LWIP_VERSION 2.1.3)
set(LWIP_SHA256 0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24)
set(LWIP_TARBALL "${CAIRN_DEPS_DIR}/src/lwip_${LWIP_VERSION}+dfsg1.orig.tar.xz")

if(NOT EXISTS "${LWIP_TARBALL}")
    message(FATAL_ERROR "${LWIP_TARBALL} is missing: "
        "run tools/deps.sh sources ${CAIRN_DEPS_DIR}")
endif()
file(SHA256 "${LWIP_TARBALL}" _lwip_sha256)
if(NOT _lwip_sha256 STREQUAL LWIP_SHA256)
    message(FATAL_ERROR "${LWIP_TARBALL}: sha256 ${_lwip_sha256}, expected "
        "${LWIP_SHA256}; delete it and run tools/deps.sh sources ${CAIRN_DEPS_DIR}")
endif()
