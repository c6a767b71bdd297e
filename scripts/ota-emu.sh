# shellcheck shell=bash
# scripts/ota-emu.sh -- sourced by run-ota.sh and tests/e2e/ota-update.sh: the servers and
# the emulator run of a firmware update (docs/ota.md).
#   ota_servers PKI BOARD   nginx and dnsmasq (test-servers.sh; stopped at exit); the folder
#                           the board's updates are served from, /ota/BOARD/, in OTA_SERVED
#   ota_emu EMU FLASH ELF [OPTIONS...]
#                           one power-up of the board (the flash kept in FLASH) on the test
#                           network, until the firmware exits, the power cut or 200 s
ota_scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/test-servers.sh
source "$ota_scripts/test-servers.sh"

ota_servers() {
  ts_init
  "$ota_scripts/make-pki.sh" "$1" >/dev/null
  ts_start_nginx "$1"
  ts_start_dnsmasq DNS_PORT
  OTA_SERVED=$TS_DOCROOT/ota/$2
  mkdir -p "$OTA_SERVED"
  chmod 755 "$TS_DOCROOT/ota" "$OTA_SERVED"
}

ota_emu() {
  local emu=$1 flash=$2 elf=$3
  shift 3
  timeout --foreground -k 5 300 "$emu" --max-seconds 200 --flash-file "$flash" \
    --map "10.0.0.53:53=127.0.0.1:$DNS_PORT" --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$@" "$elf"
}
