#!/usr/bin/env bash
# The flash regions `make provision` (and anyone else) reads from a board's linker
# memory map through scripts/board-flash-region.sh: the boards' regions as the linker
# sees them (following the board script's INCLUDE into ports/stm32f4), the address
# `make provision` writes to, and a clear failure for a board or region that is not there.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script=$root/scripts/board-flash-region.sh
fails=0
check() { # name expected actual
    if [[ $2 == "$3" ]]; then echo "ok - $1"; else echo "not ok - $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi
}
for board in nucleo_f411re blackpill_f411ce; do
    check "$board SEED" "0x08004000 32K" "$("$script" $board SEED)"
    check "$board CRED" "0x0800C000 16K" "$("$script" $board CRED)"
    check "$board FLASH" "0x08010000 448K" "$("$script" $board FLASH)"
    check "$board provision address" \
        "openocd -f boards/$board/openocd.cfg -c \"program build/credentials/$board.bin verify reset exit 0x0800C000\"" \
        "$(make -s -C "$root" -n provision CERT=x BOARD=$board | tail -1)"
done
out=$("$script" nucleo_f411re NOSUCH 2>&1)
check "unknown region: exit 1" "1" "$?"
[[ $out == *"region NOSUCH not found"* ]]; check "unknown region: says so" "0" "$?"
out=$("$script" no_such_board CRED 2>&1)
check "unknown board: exit 1" "1" "$?"
[[ $out == *"no_such_board/board.cmake"* ]]; check "unknown board: says so" "0" "$?"
exit $((fails != 0))
