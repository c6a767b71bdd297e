#!/usr/bin/env bash
# run-firmware.sh EMULATOR FIRMWARE.elf PKI_DIR [SERVER] [-- EMULATOR OPTIONS...]
# The firmware image itself, run instruction by instruction in the STM32F411
# emulator, against real servers: nginx (the `SERVER` block of
# scripts/test-servers.sh, default "main": TLS 1.2 + 1.3), or with SERVER "echo"
# tests/e2e/echo_server.py (it logs what each request carried; WF_SAVE_ECHO_LOG=FILE
# keeps a copy of that log), and dnsmasq on loopback.
# The image sees the test network of its build configuration (static
# 10.0.0.2/24, DNS 10.0.0.53, www.example.test = 10.0.0.1:443); the emulator's
# chip model maps those addresses to the loopback ports. The serial console is
# shown as a user with the board would see it in picocom, followed by the
# emulator's measurement report. Everything is stopped afterwards. Run by a test
# that started the servers once for all its runs (ts_share, scripts/test-servers.sh),
# it uses those.
set -euo pipefail
emu=$1 elf=$2 pki=$3
server=${4:-main}
shift $(($# < 4 ? $# : 4))
[[ ${1:-} == -- ]] && shift
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -x $emu ]] || { echo "run-firmware: no emulator at $emu" >&2; exit 1; }
[[ -f $elf ]] || { echo "run-firmware: no image at $elf" >&2; exit 1; }

# shellcheck source=SCRIPTDIR/test-servers.sh
source "$scripts/test-servers.sh" # traps EXIT/INT/TERM: stops the servers
ts_init
echo_log=$TS_DIR/echo-requests.log
if ts_use_shared; then
  [[ $server != echo || -n ${ECHO_LOG:-} ]] || { echo "run-firmware: the shared servers have no echo server" >&2; exit 1; }
  [[ $server != echo ]] || echo_log=$ECHO_LOG
else
  "$scripts/make-pki.sh" "$pki" >/dev/null
  ts_start_nginx "$pki"
  ts_start_dnsmasq DNS_PORT
  if [[ $server == echo ]]; then
    ts_start_echo ECHO_PORT "$pki" "$echo_log"
  fi
fi
[[ $server == echo ]] && NGINX_PORT[echo]=$ECHO_PORT
echo_mark=$( ([[ -f $echo_log ]] && wc -l <"$echo_log") || echo 0)
seed=$TS_DIR/seed-sector.bin # a fresh board: no seed provisioned yet
# For tests: keep a copy of the page as served, to compare with the console.
[[ -n ${WF_SAVE_PAGE:-} ]] && cp "$TS_DOCROOT/index.html" "$WF_SAVE_PAGE"

read -r board chip < <("$emu" --print-board "$@" "$elf") || { echo "run-firmware: $elf: no board to emulate" >&2; exit 1; }
echo "emulated $board ($chip): $elf"
echo "network: 10.0.0.1:443 -> nginx ($server) 127.0.0.1:${NGINX_PORT[$server]}, 10.0.0.53:53 -> dnsmasq 127.0.0.1:$DNS_PORT"
echo "---- serial console (115200 8N1) ----"
rc=0
timeout --foreground -k 5 600 "$emu" --seed-file "$seed" --max-seconds "${WF_EMU_SECONDS:-60}" \
  --map "10.0.0.53:53=127.0.0.1:$DNS_PORT" --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[$server]}" \
  "$@" "$elf" || rc=$?
# This run's requests only (a shared echo server's log has the earlier runs' too).
[[ $server == echo && -n ${WF_SAVE_ECHO_LOG:-} ]] && tail -n +$((echo_mark + 1)) "$echo_log" >"$WF_SAVE_ECHO_LOG"
exit "$rc"
