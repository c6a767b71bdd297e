#!/usr/bin/env bash
# Footprint of the portable stack on Cortex-M4, from the linker map of the
# footprint probe (apps/footprint, built by `make cross`): bytes per library
# after --gc-sections, split like arm-none-eabi-size (text = code + rodata,
# data = initialised RAM, bss = zeroed RAM).
# Usage: scripts/footprint.sh [BUILD_DIR]   (default build/arm)
set -euo pipefail
dir=${1:-build/arm}
elf=$dir/wf_footprint
map=$dir/wf_footprint.map
[[ -f $elf && -f $map ]] || { echo "footprint: build it first: make cross" >&2; exit 1; }

arm-none-eabi-size "$elf"
echo
awk '
  /^Linker script and memory map/ { inmap = 1; next }
  !inmap { next }
  # An input section line: " .text.name 0xADDR 0xSIZE file" (name may sit alone on the line before).
  /^ \.[A-Za-z_.]/ || /^ COMMON/ {
    if (NF >= 4 && $2 ~ /^0x/) { add($1, $3, $4) } else if (NF == 1) { pending = $1 }
    next
  }
  pending != "" && /^[ \t]+0x/ && NF >= 3 { add(pending, $2, $3); pending = ""; next }
  { pending = "" }
  function hex(s,   i, c, v) {  # portable: mawk has no strtonum
    v = 0; s = tolower(s); sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
    return v
  }
  function add(sec, size, file,   kind, lib, probe) {
    size = hex(size); if (size == 0) return
    if (sec ~ /^\.(text|rodata)/) kind = "text"
    else if (sec ~ /^\.data/) kind = "data"
    else if (sec ~ /^\.bss/ || sec == "COMMON") kind = "bss"
    else return
    probe = (file ~ /footprint/)
    lib = file; sub(/\(.*/, "", lib); sub(/.*\//, "", lib)
    if (lib ~ /^libwf_mbedtls/) lib = "mbedTLS"
    else if (lib ~ /^libwizfetch_core/) lib = "wizfetch core (chip, net, dns, http)"
    else if (lib ~ /^libwizfetch_tls/) lib = "wizfetch tls + fetch"
    else if (lib ~ /^libwf_ca_/) lib = "CA bundle"
    else if (probe) lib = "probe main (pool + contexts)"
    else lib = "C library and runtime"
    sum[lib, kind] += size; libs[lib] = 1
  }
  END {
    printf "%-40s %8s %8s %8s\n", "part", "text", "data", "bss"
    for (l in libs) printf "%-40s %8d %8d %8d\n", l, sum[l, "text"], sum[l, "data"], sum[l, "bss"]
  }
' "$map" | (read -r header; echo "$header"; sort)
