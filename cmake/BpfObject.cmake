# SPDX-License-Identifier: GPL-2.0-or-later
# Compile bpf/<name>.bpf.c with clang and generate <name>.skel.h with
# bpftool gen skeleton. vmlinux.h comes from the running kernel's BTF.
find_program(CLANG_EXE NAMES clang REQUIRED)
find_program(BPFTOOL_EXE NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

set(ENF_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
set(ENF_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH
    "Kernel BTF that vmlinux.h is generated from")
file(MAKE_DIRECTORY ${ENF_BPF_GEN_DIR})

add_custom_command(
  OUTPUT ${ENF_BPF_GEN_DIR}/vmlinux.h
  COMMAND ${BPFTOOL_EXE} btf dump file ${ENF_VMLINUX_BTF} format c
          > ${ENF_BPF_GEN_DIR}/vmlinux.h.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${ENF_BPF_GEN_DIR}/vmlinux.h.tmp
          ${ENF_BPF_GEN_DIR}/vmlinux.h
  DEPENDS ${ENF_VMLINUX_BTF}
  COMMENT "Generating vmlinux.h from ${ENF_VMLINUX_BTF}"
  VERBATIM)
add_custom_target(vmlinux_h DEPENDS ${ENF_BPF_GEN_DIR}/vmlinux.h)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(ENF_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(ENF_BPF_ARCH arm64)
else()
  set(ENF_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
                OUTPUT_VARIABLE ENF_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE)

# enf_bpf_skeleton(NAME) defines target NAME_skel: an interface library whose
# include directory holds NAME.skel.h; NAME.bpf.o lands in ${ENF_BPF_GEN_DIR}.
function(enf_bpf_skeleton name)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${name}.bpf.c)
  set(obj ${ENF_BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${ENF_BPF_GEN_DIR}/${name}.skel.h)
  file(GLOB enf_abi_headers ${ENF_INCLUDE_DIR}/enforcer/*.h)
  # Headers shared by the programs (bpf_common.h, xdp_parse.h, ...).
  file(GLOB enf_bpf_headers ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CLANG_EXE} -g -O2 -target bpf -D__TARGET_ARCH_${ENF_BPF_ARCH}
            -Wall -Werror -I${ENF_BPF_GEN_DIR} -I${ENF_INCLUDE_DIR}
            -I/usr/include/${ENF_MULTIARCH} -c ${src} -o ${obj}
    DEPENDS ${src} ${ENF_BPF_GEN_DIR}/vmlinux.h ${enf_abi_headers}
            ${enf_bpf_headers}
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL_EXE} gen skeleton ${obj} name ${name} > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "Skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  # vmlinux.h is made by a custom command in the top directory: a file
  # dependency across directories needs this target-level one too.
  add_dependencies(${name}_skel_gen vmlinux_h)
  add_library(${name}_skel INTERFACE)
  target_include_directories(${name}_skel INTERFACE ${ENF_BPF_GEN_DIR})
  add_dependencies(${name}_skel ${name}_skel_gen)
endfunction()
