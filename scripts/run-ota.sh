#!/usr/bin/env bash
# run-ota.sh EMULATOR CROSS_TREE PKI_DIR BOARD -- a firmware update in the emulator
# (make run-ota; docs/ota.md): a new board with the bootloader and v1 in slot A (signed
# with the build tree's test key), nginx serving v2 for slot B at
# /ota/<board>/b.bin. The console shows the bootloader starting v1, v1 fetching the
# page and confirming itself, downloading v2, verifying and marking it and resetting,
# the bootloader starting v2 on trial, and v2 confirming itself. Then a second
# power-up: v2, confirmed. The servers are stopped afterwards.
set -euo pipefail
emu=$1 cross=$2 pki=$3 board=$4
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/ota-emu.sh
source "$scripts/ota-emu.sh"
ota_servers "$pki" "$board"
key=$cross/ota/test-release-key.pem
served=$OTA_SERVED
python3 "$scripts/ota-sign.py" sign --key "$key" --elf "$cross/fw-ota/$board/a/firmware.elf" --version 1 \
  --board "$board" --build v1 -o "$TS_DIR/v1-a.bin"
python3 "$scripts/ota-sign.py" sign --key "$key" --elf "$cross/fw-ota/$board/b/firmware.elf" --version 2 \
  --board "$board" --build v2 -o "$served/b.bin"
chmod 644 "$served/b.bin"
flash=$TS_DIR/flash.bin
run() { ota_emu "$emu" "$flash" "$cross/fw-ota/$board/a/firmware.elf" "$@"; }
echo "---- serial console (115200 8N1): a new board, v2 served for slot B ----"
run --load "0x08000000:$cross/boot/$board/bootloader.bin" --load "0x08010000:$TS_DIR/v1-a.bin"
echo "---- serial console: the next power-up ----"
run | sed -n '1,/^ota: running/p'
