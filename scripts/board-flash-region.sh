#!/usr/bin/env bash
# board-flash-region.sh BOARD REGION
# Prints "ORIGIN LENGTH" of the MEMORY region REGION (e.g. CRED) of BOARD's linker
# script, as the linker sees it: the script named by WF_BOARD_LDSCRIPT in
# boards/BOARD/board.cmake, following its INCLUDEs in the board's folder and its
# family's (ports/<WF_BOARD_FAMILY>/, the -L folder of the build). The memory map is
# the one place the flash layout is written; `make provision` takes the
# credentials sector's address from here. Exit 1 (with a message) if not found.
set -euo pipefail
board=${1:?usage: board-flash-region.sh BOARD REGION} region=${2:?usage: board-flash-region.sh BOARD REGION}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmake_file=$root/boards/$board/board.cmake
[[ -f $cmake_file ]] || { echo "board-flash-region: no $cmake_file" >&2; exit 1; }
family=$(sed -n 's/^set(WF_BOARD_FAMILY  *\([A-Za-z0-9_]*\)).*/\1/p' "$cmake_file")
ldscript=$(sed -n 's/^set(WF_BOARD_LDSCRIPT  *[^ )]*\/\([^/ )]*\)).*/\1/p' "$cmake_file")
dirs=("$root/boards/$board" "$root/ports/$family")

# The script with each INCLUDE replaced by the file it names (searched as ld does: the
# board's folder, then the family's), at most 8 levels deep.
expand() {
    local name=$1 depth=$2 dir file=
    ((depth < 8)) || { echo "board-flash-region: INCLUDE too deep at $name" >&2; exit 1; }
    for dir in "${dirs[@]}"; do
        [[ -f $dir/$name ]] && { file=$dir/$name; break; }
    done
    [[ -n $file ]] || { echo "board-flash-region: $name not found in ${dirs[*]}" >&2; exit 1; }
    local line
    while IFS= read -r line || [[ -n $line ]]; do
        if [[ $line =~ ^[[:space:]]*INCLUDE[[:space:]]+([^[:space:]]+) ]]; then
            expand "${BASH_REMATCH[1]}" $((depth + 1))
        else
            printf '%s\n' "$line"
        fi
    done <"$file"
}

[[ -n $ldscript ]] || { echo "board-flash-region: no WF_BOARD_LDSCRIPT in $cmake_file" >&2; exit 1; }
# A region line: NAME (attrs) : ORIGIN = 0x..., LENGTH = 16K
found=$(expand "$ldscript" 0 | sed -n "s/^[[:space:]]*$region[[:space:]]*([a-z]*)[[:space:]]*:[[:space:]]*ORIGIN[[:space:]]*=[[:space:]]*\(0x[0-9A-Fa-f]*\),[[:space:]]*LENGTH[[:space:]]*=[[:space:]]*\([0-9A-Fa-fxKM]*\).*/\1 \2/p")
[[ -n $found && $(wc -l <<<"$found") -eq 1 ]] ||
    { echo "board-flash-region: region $region not found once in $ldscript of $board" >&2; exit 1; }
echo "$found"
