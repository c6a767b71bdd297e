#!/usr/bin/env bash
# memory-table.sh FIRMWARE.elf [FLASH_BUDGET_BYTES RAM_BUDGET_BYTES [IMAGE_REGION_BYTES]]
# Prints the firmware's memory table and fails (exit 1) when a budget is exceeded.
#   flash      = .isr_vector + .text + .rodata + .ARM.exidx + .data (its load image)
#   CA store   = the trust anchors in flash (wf_ca_builtin*: DER certificates + index),
#                part of flash; FLASH_BUDGET applies to flash without it (the code),
#                IMAGE_REGION to the whole flash image (code + store)
#   static RAM = .data + .bss, without the mbedTLS pool (shown on its own line)
#   mbedTLS heap pool = the static pool given to memory_buffer_alloc (symbol tls_pool)
#   stack      = the region the linker script reserves (_estack - _sstack)
#   newlib heap = the region reserved for malloc (_heap_end - _heap_start), if any
#   margins     = what the firmware test's measured peaks must leave free of the stack
#                 and the pool (absolute symbols wf_fw_stack_margin, wf_fw_pool_margin)
# RAM budget = static RAM + pool + stack + newlib heap.
set -euo pipefail
elf=$1
flash_budget=${2:-0}
ram_budget=${3:-0}
region=${4:-0}

sym() { # address of a symbol (decimal), or empty
  local v
  v=$(arm-none-eabi-nm "$elf" | awk -v s="$1" '$3 == s { print $1; exit }')
  [[ -n $v ]] && echo $((16#$v)) || true
}
symsize() { # size of a data symbol (decimal), or 0
  local v
  v=$(arm-none-eabi-nm -S "$elf" | awk -v s="$1" '$4 == s { print $2; exit }')
  [[ -n $v ]] && echo $((16#$v)) || echo 0
}

read -r text data bss _ < <(arm-none-eabi-size "$elf" | awk 'NR == 2 { print $1, $2, $3, $4 }')
flash=$((text + data))
pool=$(symsize tls_pool)
stack=0
if [[ -n $(sym _estack) && -n $(sym _sstack) ]]; then
  stack=$(($(sym _estack) - $(sym _sstack)))
fi
heap=0
if [[ -n $(sym _heap_start) && -n $(sym _heap_end) ]]; then
  heap=$(($(sym _heap_end) - $(sym _heap_start)))
fi
# size(1)'s bss also counts the reserved heap and stack regions: use the linker
# script's own symbols for .data + .bss where they exist.
if [[ -n $(sym _sdata) && -n $(sym _ebss) ]]; then
  static_ram=$(($(sym _ebss) - $(sym _sdata) - pool))
else
  static_ram=$((data + bss - pool))
fi
ram=$((static_ram + pool + stack + heap))
store=$(($(symsize wf_ca_builtin_der) + $(symsize wf_ca_builtin_index) + $(symsize wf_ca_builtin)))
code=$((flash - store))
roots=$(($(symsize wf_ca_builtin_index) / 16)) # struct wf_ca_entry: 4 fields of 4 bytes on Cortex-M

kib() { awk -v b="$1" 'BEGIN { printf "%7.1f KiB", b / 1024 }'; }
printf '%-28s %9d bytes %s\n' "flash (text + data)" "$flash" "$(kib "$flash")"
printf '%-28s %9d bytes %s' "  of which CA store" "$store" "$(kib "$store")"
((roots > 0)) && printf ' (%d roots, %d bytes each on average)' "$roots" $((store / roots))
printf '\n'
printf '%-28s %9d bytes %s\n' "  code (flash without store)" "$code" "$(kib "$code")"
printf '%-28s %9d bytes %s\n' "static RAM (data + bss)" "$static_ram" "$(kib "$static_ram")"
printf '%-28s %9d bytes %s\n' "mbedTLS heap pool" "$pool" "$(kib "$pool")"
printf '%-28s %9d bytes %s\n' "stack (reserved)" "$stack" "$(kib "$stack")"
printf '%-28s %9d bytes %s\n' "newlib heap (reserved)" "$heap" "$(kib "$heap")"
printf '%-28s %9d bytes %s\n' "RAM total" "$ram" "$(kib "$ram")"
if [[ -n $(sym wf_fw_stack_margin) && -n $(sym wf_fw_pool_margin) ]]; then
  printf 'margins (checked by the firmware test): stack %d bytes, pool %d bytes\n' \
    "$(sym wf_fw_stack_margin)" "$(sym wf_fw_pool_margin)"
fi

status=0
if ((flash_budget > 0)); then
  if ((code > flash_budget)); then
    echo "over budget: code (flash without the CA store) $code > $flash_budget bytes" >&2
    status=1
  else
    printf 'code budget %d bytes: %d to spare\n' "$flash_budget" $((flash_budget - code))
  fi
fi
if ((region > 0)); then
  if ((flash > region)); then
    echo "over budget: flash image $flash > image region $region bytes" >&2
    status=1
  else
    printf 'image region %d bytes (code + CA store): %d to spare\n' "$region" $((region - flash))
  fi
fi
if ((ram_budget > 0)); then
  if ((ram > ram_budget)); then
    echo "over budget: RAM $ram > $ram_budget bytes" >&2
    status=1
  else
    printf 'RAM budget %d bytes: %d to spare\n' "$ram_budget" $((ram_budget - ram))
  fi
fi
exit "$status"
