# SPDX-License-Identifier: BSD-2-Clause
#
# Protocols: the C for proto/NAME.proto, generated at build time by
# tools/protogen.py and its package tools/protogen/ (docs/protocols.md).
# Nothing generated is committed.
#
#   cairn_protocol(NAME)
#       Generates ${CMAKE_BINARY_DIR}/proto/NAME.{h,c} and compiles them with
#       the ring-3 flags into the static library proto_NAME. Linking it gives
#       the include directories for "NAME.h" and "proto/proto.h":
#           cairn_protocol(echo)
#           target_link_libraries(echo_server PRIVATE proto_echo)
#       Calling it again for the same NAME (from another directory) is fine.
#
#   cairn_protocol_generate(NAME OUT_DIR SOURCES_VAR)
#       Only the rule: OUT_DIR/NAME.{h,c}, regenerated when the .proto or
#       the generator (tools/protogen.py or any module of tools/protogen/)
#       changes; SOURCES_VAR receives both files. For trees with their own
#       flags (tests/host builds the generated code on a fake system-call
#       layer).
#
# Works from any directory: paths come from this file's location.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

function(cairn_protocol_generate name out_dir sources_var)
    get_filename_component(root "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/.." ABSOLUTE)
    set(src "${root}/proto/${name}.proto")
    set(gen "${root}/tools/protogen.py")
    # The command is a thin entry point; the compiler is the package beside
    # it. Every module is a dependency, so editing any re-runs generation:
    # a new module goes in this list too.
    set(gen_package)
    foreach(module __init__ cformat check cli emit_common emit_header emit_source lexer model
                   parser pipeline)
        list(APPEND gen_package "${root}/tools/protogen/${module}.py")
    endforeach()
    if(NOT EXISTS "${src}")
        message(FATAL_ERROR "cairn_protocol: no protocol file ${src}")
    endif()
    add_custom_command(
        OUTPUT "${out_dir}/${name}.h" "${out_dir}/${name}.c"
        COMMAND "${Python3_EXECUTABLE}" "${gen}" "${src}" --out-dir "${out_dir}"
        DEPENDS "${src}" "${gen}" ${gen_package}
        COMMENT "Generating C for proto/${name}.proto"
        VERBATIM)
    set(${sources_var} "${out_dir}/${name}.c" "${out_dir}/${name}.h" PARENT_SCOPE)
endfunction()

function(cairn_protocol name)
    if(TARGET proto_${name})
        return()
    endif()
    get_filename_component(root "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/.." ABSOLUTE)
    set(out_dir "${CMAKE_BINARY_DIR}/proto")
    cairn_protocol_generate(${name} "${out_dir}" sources)
    add_library(proto_${name} STATIC ${sources})
    target_include_directories(proto_${name} PUBLIC "${out_dir}" "${root}/libsys/include")
    target_compile_options(proto_${name} PRIVATE ${CAIRN_USER_CFLAGS})
endfunction()
