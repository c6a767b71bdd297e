#!/usr/bin/env bash
# biggest-symbols.sh FIRMWARE.elf [N] -- the N largest symbols (flash and RAM),
# a target list for footprint work.
set -euo pipefail
elf=$1
n=${2:-20}
echo "largest symbols in $elf (bytes, type: T/t code, R/r read-only data, D/d data, B/b bss):"
arm-none-eabi-nm --size-sort --reverse-sort -S "$elf" |
  awk -v n="$n" 'NR <= n { printf "%8d  %s  %s\n", strtonum_hex($2), $3, $4 }
       function strtonum_hex(s,   i, c, v) { v = 0; s = tolower(s)
         for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
         return v }'
