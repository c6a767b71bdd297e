#!/usr/bin/env bash
# tests/e2e/net.sh WIZFETCH_BINARY -- wizfetch on a real (namespace) LAN with no static
# configuration: address, mask, router and DNS server from DHCP (dnsmasq), the time from
# SNTP (chronyd), the page over HTTPS (nginx).
#
# Needs root (it creates two network namespaces joined by a veth pair); otherwise, or
# when a tool is missing or namespaces cannot be made, it prints why and
# "0 passed, 0 failed, N skipped" and exits 0.
#
#   namespace wfs-PID (server)  10.77.0.1/24  dnsmasq: DHCP 10.77.0.100-150 (router, DNS and
#                               NTP server = 10.77.0.1), DNS www.example.test A 10.77.0.1;
#                               chronyd: NTP server (local stratum 8, no upstream, does not
#                               touch the clock); nginx: 10.77.0.1:443 (good chain),
#                               10.77.0.1:8443 (a certificate that expired yesterday) and
#                               10.77.0.1:9443 (the same from a root valid for 30 days);
#                               a rogue NTP server (Python) on 10.77.0.1:1123, 3 days late
#   namespace wfc-PID (client)  wizfetch --dhcp ... The chip model carries the chip's
#                               traffic over this namespace's sockets, so the namespace's
#                               interface has a carrier address (10.77.0.2/24, default route
#                               via 10.77.0.1); wizfetch itself is given no address, no DNS
#                               server and no NTP server: it learns them by DHCP.
#
# The clock cases run wizfetch with --no-system-clock (the time is unknown until SNTP
# answers, like a board): without SNTP the good certificate fails with the clock error,
# with SNTP it verifies; the certificate that expired yesterday fails with the clock error
# without SNTP and with "expired" only because SNTP supplied today's date.
#
# The servers are started by scripts/test-servers.sh inside the server namespace
# (TS_NETNS); the certificates are the test PKI's (scripts/make-pki.sh: yesterday.pem,
# old-root.pem, backdated.pem), in $WF_PKI_DIR, else BUILD/pki next to the binary's apps/
# directory, else build/pki (tests/e2e/wizfetch_setup.sh).
#
# Output: "ok - NAME" / "not ok - NAME: WHY" per case (tests/e2e/harness.sh), then
# "N passed, M failed, K skipped".
# Exit 0 if none failed, 1 otherwise, 2 if the set-up failed. Everything started here is
# stopped and both namespaces are deleted on exit (also on Ctrl-C). TS_KEEP=1 keeps logs.
set -uo pipefail

NCASES=15 # the net_verdict lines below: 13 host cases + the firmware image on each of 2 chips
skip() {
  echo "net.sh: SKIPPED: $*"
  echo "0 passed, 0 failed, $NCASES skipped"
  exit 0
}

if [[ $# -ne 1 && $# -ne 3 ]]; then
  echo "usage: $0 WIZFETCH_BINARY [EMULATOR FIRMWARE.elf]" >&2
  exit 2
fi
# Optional: the firmware image (built for DHCP + SNTP, trusting $WF_PKI_DIR/root.pem)
# run by the board emulator inside the client namespace.
emu=${2:-}
elf=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ $(id -u) -eq 0 ]] || skip "not root: the namespace LAN (ip netns, veth, DHCP on port 67/68) needs root"
for tool in ip dnsmasq chronyd nginx openssl socat ss python3; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (scripts/install-deps.sh)"
done

NS_S=wfs-$$
NS_C=wfc-$$
VS=wfs$$
VC=wfc$$
SERVER=10.77.0.1

ip netns add "wfprobe-$$" 2>/dev/null || skip "cannot create network namespaces here (no CAP_SYS_ADMIN?)"
ip netns del "wfprobe-$$"

t_start=$SECONDS
# The test PKI (make-pki.sh: also the leaf that expired yesterday, the backdated root and
# its leaf), bin, repo, setup_failed; the servers' library scripts/test-servers.sh (its
# EXIT/INT/TERM traps stop every server, then net_cleanup deletes the namespaces).
# shellcheck source=SCRIPTDIR/wizfetch_setup.sh
source "$here/wizfetch_setup.sh" "$1"
# shellcheck source=SCRIPTDIR/harness.sh
source "$here/harness.sh" # verdict, fail, summary
ts_init
work=$TS_DIR

net_cleanup() {
  local ns pid
  while ((${#TS_PIDS[@]})); do ts_stop "${TS_PIDS[0]}"; done
  # Anything still running inside the namespaces (there should be nothing) goes too.
  for ns in "$NS_C" "$NS_S"; do
    if ip netns list 2>/dev/null | grep -w "$ns" >/dev/null; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
  done
}
ts_at_exit net_cleanup

# --- the namespace LAN -------------------------------------------------------------------

ip netns add "$NS_S" || setup_failed "ip netns add $NS_S"
ip netns add "$NS_C" || setup_failed "ip netns add $NS_C"
ip link add "$VS" netns "$NS_S" type veth peer name "$VC" netns "$NS_C" || setup_failed "veth pair"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" addr add "$SERVER/24" dev "$VS"
ip -n "$NS_S" link set "$VS" up
ip -n "$NS_C" addr add 10.77.0.2/24 dev "$VC"
ip -n "$NS_C" link set "$VC" up
ip -n "$NS_C" route add default via "$SERVER" || setup_failed "default route"

# The servers run in the server namespace (scripts/test-servers.sh: TS_NETNS).
TS_NETNS=$NS_S

start_dnsmasq() {
  ts_launch dnsmasq udp "$work/dnsmasq.log" "67 53" -- dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --interface="$VS" --bind-interfaces --port=53 \
    --dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,10m \
    --dhcp-option=option:router,"$SERVER" --dhcp-option=option:dns-server,"$SERVER" \
    --dhcp-option=option:ntp-server,"$SERVER" \
    --host-record=www.example.test,"$SERVER" --local=/example.test/ \
    --no-ping --dhcp-leasefile="$work/dnsmasq.leases" --pid-file="$work/dnsmasq.pid" \
    --user=root --group=root --log-queries --log-dhcp --log-facility=- || return 1
  PID_dnsmasq=$TS_LAST_PID
}

start_chronyd() {
  cat >"$work/chrony.conf" <<EOF
# An NTP server for the namespace LAN: its own clock as a stratum-8 reference, no
# upstream servers, no control of the system clock (-x), no command port.
allow 10.77.0.0/24
local stratum 8
bindaddress $SERVER
port 123
cmdport 0
pidfile $work/chronyd.pid
EOF
  ts_launch chronyd udp "$work/chronyd.log" 123 -- chronyd -f "$work/chrony.conf" -d -x -u root || return 1
  # Until chronyd serves its local reference it may answer "unsynchronised" (LI 3):
  # wait (5 s at most) for a reply with LI != 3 and a stratum of 1..15.
  local i reply req='\x23'
  for ((i = 0; i < 47; i++)); do req+='\x00'; done
  for ((i = 0; i < 25; i++)); do
    # shellcheck disable=SC2059
    reply=$(printf "$req" | ip netns exec "$NS_C" timeout 2 socat -t 1 - "UDP:$SERVER:123" 2>/dev/null |
      od -An -tx1 -N2 | tr -d ' \n')
    if [[ ${#reply} -eq 4 ]] && (((0x${reply:0:2} >> 6) != 3)) && ((0x${reply:2:2} >= 1 && 0x${reply:2:2} <= 15)); then
      return 0
    fi
    sleep 0.2
  done
  echo "net.sh: chronyd does not serve a synchronised time; its log:" >&2
  tail -n 20 "$work/chronyd.log" >&2
  return 1
}

start_nginx() {
  mkdir -p "$work/docroot"
  cat >"$work/docroot/index.html" <<'EOF'
<!DOCTYPE html>
<html><body><h1>www.example.test on the namespace LAN</h1>
<p>Address by DHCP, name by DNS, time by SNTP, page by HTTPS, all through a (modelled) W5100.</p>
</body></html>
EOF
  chmod 755 "$work/docroot"
  chmod 644 "$work/docroot/index.html"
  declare -gA NET_PORT=([good]=443 [yesterday]=8443 [backdated]=9443)
  ts_start_nginx_with NET_PORT "$work/nginx" net_servers good yesterday backdated
}

# The http context of nginx: 443 the good chain, 8443 the leaf that expired yesterday,
# 9443 the same key's leaf from the backdated root.
net_servers() {
  local name cert key
  echo "  access_log $work/nginx/access.log;"
  for name in good yesterday backdated; do
    case $name in
      good) cert=$pki/rsa-chain.pem key=$pki/rsa.key ;;
      yesterday) cert=$pki/yesterday-chain.pem key=$pki/yesterday.key ;;
      backdated) cert=$pki/backdated.pem key=$pki/yesterday.key ;;
    esac
    cat <<EOF
  server { # $name
    listen $SERVER:${NET_PORT[$name]} ssl;
    server_name www.example.test;
    ssl_certificate $cert;
    ssl_certificate_key $key;
    root $work/docroot;
  }
EOF
  done
}

# A rogue NTP server on $SERVER:1123 (a small Python UDP server): proper replies, but its
# time is ROGUE_TIME, set back to inside the validity of the backdated chain (3 days ago),
# and before wizfetch's time floor (its build time).
start_rogue_ntp() {
  local floor
  floor=$("$bin" --version | sed -n 's/^time floor: \([0-9]*\).*/\1/p')
  ROGUE_TIME=$(($(date +%s) - 3 * 86400))
  [[ -n $floor ]] && ((floor - 3600 < ROGUE_TIME)) && ROGUE_TIME=$((floor - 3600))
  cat >"$work/rogue-ntp.py" <<'EOF'
import socket, struct, sys
addr, port, unix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    req, peer = s.recvfrom(512)
    if len(req) < 48 or req[0] & 7 != 3:
        continue
    t = (unix + 2208988800) & 0xFFFFFFFF
    # LI 0, VN 4, mode 4 (server), stratum 2; originate = the client's transmit
    rep = bytes([0x24, 2, 6, 0xEC]) + bytes(8) + b"GPS\0" + struct.pack(">II", t - 10, 0)
    rep += req[40:48] + struct.pack(">IIII", t, 0, t, 0)
    s.sendto(rep, peer)
EOF
  ts_launch roguentp udp "$work/roguentp.log" 1123 -- python3 "$work/rogue-ntp.py" "$SERVER" 1123 "$ROGUE_TIME"
}

start_dnsmasq || setup_failed dnsmasq
start_chronyd || setup_failed chronyd
start_nginx || setup_failed nginx
start_rogue_ntp || setup_failed "rogue NTP server"
TS_NETNS=""
t_setup=$((SECONDS - t_start))

# --- cases ---------------------------------------------------------------------------------

OUT=$work/out
ERR=$work/err
RC=0

# wf ARGS... : run wizfetch in the client namespace (stdout $OUT, stderr $ERR, exit $RC)
wf() {
  local t0=$SECONDS
  ip netns exec "$NS_C" timeout 60 "$bin" --cacert "$pki/root.pem" "$@" >"$OUT" 2>"$ERR"
  RC=$?
  ELAPSED=$((SECONDS - t0))
}
want_rc() { [[ $RC -eq $1 ]] || fail "exit $RC, want $1"; }
want_err() { grep -Eq -- "$1" "$ERR" || fail "stderr lacks /$1/"; }
want_no_err() { ! grep -Eq -- "$1" "$ERR" || fail "stderr has /$1/"; }
want_page() { cmp -s "$OUT" "$work/docroot/index.html" || fail "stdout is not index.html"; }
want_log() { grep -Eq -- "$2" "$work/$1" || fail "$1 lacks /$2/"; }
# net_verdict NAME: the verdict on the checks since the last one (tests/e2e/harness.sh).
net_verdict() {
  CASE_NOTE=" (${ELAPSED:-0} s)"
  verdict "$1" "${WHY[@]}"
  WHY=()
}
case_on_fail() { sed 's/^/#   /' "$ERR" | tail -n 12; }

URL=https://www.example.test/
MAC_RE='02:00:5e:10:00:02'

wf -v --dhcp --ntp dhcp "$URL"
want_rc 0
want_page
want_err 'dhcp: 10\.77\.0\.1[0-9]{2} mask 255\.255\.255\.0 router 10\.77\.0\.1, lease 600 s from 10\.77\.0\.1'
want_err 'dhcp: DNS server 10\.77\.0\.1'
want_err 'ntp: .* from 10\.77\.0\.1:123 \(stratum 8'
want_log dnsmasq.log "DHCPACK\(.*\) 10\.77\.0\.1[0-9]{2} $MAC_RE"
want_log dnsmasq.leases "$MAC_RE 10\.77\.0\.1[0-9]{2}"
want_log dnsmasq.log 'query\[A\] www\.example\.test from 10\.77\.0\.2'
want_log nginx/access.log 'GET / HTTP/1\.1" 200'
net_verdict "DHCP (address, router, DNS) + DNS + SNTP (server from option 42) + HTTPS, no static configuration"

wf -v --chip w5500 --dhcp --ntp dhcp --no-system-clock "$URL"
want_rc 0
want_page
want_err 'chip: W5500 up'
want_err "ntp: $(date -u +%Y-%m-%d)"
net_verdict "W5500 (modelled): DHCP + DNS + SNTP + HTTPS, no static configuration, dates checked"

wf -v --chip auto --model w5500 --dhcp --ntp dhcp "$URL"
want_rc 0
want_page
want_err 'chip: W5500 up'
net_verdict "auto-detected W5500: DHCP + DNS + SNTP + HTTPS"

wf --dhcp --no-system-clock "$URL"
want_rc 60
want_err 'time not known'
net_verdict "no system clock, no SNTP: the good certificate fails with the clock error (exit 60)"

wf -v --dhcp --ntp dhcp --no-system-clock "$URL"
want_rc 0
want_page
want_err "ntp: $(date -u +%Y-%m-%d)"
net_verdict "no system clock, SNTP from DHCP: the good certificate verifies"

wf --dhcp --no-system-clock https://www.example.test:8443/
want_rc 60
want_err 'time not known'
want_no_err 'expired'
net_verdict "certificate that expired yesterday, no SNTP: clock error, not 'expired'"

wf --dhcp --ntp dhcp --no-system-clock https://www.example.test:8443/
want_rc 60
want_err 'certificate has expired'
net_verdict "certificate that expired yesterday, SNTP: 'expired' (the date came from SNTP)"

wf --dhcp --ntp "$SERVER" --no-system-clock "$URL"
want_rc 0
want_page
net_verdict "--ntp IP (explicit server) with DHCP"

wf --dhcp --ntp 10.77.0.99 --no-system-clock "$URL"
want_rc 60
want_err 'NTP failed: NTP: no server answered; the time stays unknown'
want_err 'time not known'
net_verdict "--ntp to a silent address: NTP failure reported, the time stays unknown (exit 60)"

# The clock cannot go back below the floor: believed, the rogue time would make the
# certificate that expired yesterday (port 9443, backdated chain) valid again.
wf --dhcp --ntp "$SERVER:1123" --no-system-clock --cacert "$pki/old-root.pem" https://www.example.test:9443/
want_rc 60
want_err "NTP failed: NTP: the server's time is before the time floor"
want_err 'time not known'
net_verdict "rogue NTP server sets the clock back $(((${EPOCHSECONDS:-$(date +%s)} - ROGUE_TIME) / 3600)) h (before the floor): refused, the expired certificate is not accepted (exit 60)"

# One deadline: -m bounds DHCP and SNTP too (a silent NTP server alone would take 4 s).
wf --dhcp --ntp 10.77.0.99 -m 3 "$URL"
want_rc 28
want_err 'timed out'
((ELAPSED <= 4)) || fail "took $ELAPSED s"
net_verdict "-m 3 with a silent NTP server: exit 28 within 4 s (DHCP + SNTP + fetch under one deadline)"

wf --dhcp --dns 10.77.0.99 --connect-timeout 5 "$URL"
want_rc 6
net_verdict "--dns wins over the DHCP DNS servers (10.77.0.99 is silent: exit 6)"

# The firmware image itself, emulated, on the same LAN: nothing configured but the URL
# and the trust anchor it was built with (DHCP, DNS, SNTP come from the network).
emu_chip_option=0
fw() { # fw CHIP: run the emulated board in the client namespace (console in $ERR)
  local t0=$SECONDS chip_args=()
  ((emu_chip_option)) && chip_args=(--chip "$1")
  ip netns exec "$NS_C" timeout 300 "$emu" "${chip_args[@]}" --seed-file "$work/seed-$1.bin" --max-seconds 60 \
    "$elf" >"$ERR" 2>&1
  RC=$?
  ELAPSED=$((SECONDS - t0))
}
fw_checks() { # fw_checks CHIP_NAME
  want_rc 0
  want_err "$1 up"
  want_err 'DHCP address 10\.77\.0\.1[0-9]{2}'
  want_err "time from SNTP: "
  want_err 'subject: CN=www\.example\.test'
  want_err 'HTTP/1\.1 200 OK'
  want_err "$(head -n 1 "$work/docroot/index.html")"
  want_err 'firmware exit \(bkpt #0xAB\) with code 0'
  want_no_err 'violation'
  want_no_err 'time is unknown'
}
if [[ -n $emu && -n $elf && -x $emu && -f $elf ]]; then
  chips=w5100
  if "$emu" --help 2>&1 | grep -- '--chip' >/dev/null; then
    emu_chip_option=1
    chips="w5100 w5500"
  fi
  for chip in $chips; do
    name=W5100
    [[ $chip == w5500 ]] && name=W5500
    fw "$chip"
    fw_checks "$name"
    net_verdict "firmware image in the emulator ($name): DHCP + DNS + SNTP + HTTPS on the namespace LAN, dates checked"
  done
else
  echo "net.sh: the firmware image cases need EMULATOR and FIRMWARE.elf (not given or not built)"
fi

# Last: without the DHCP server.
ts_stop "$PID_dnsmasq"
wf --dhcp --connect-timeout 3 "$URL"
want_rc 45
want_err 'DHCP failed: DHCP: no server answered'
((ELAPSED <= 8)) || fail "took $ELAPSED s"
net_verdict "no DHCP server: exit 45 after the deadline (--connect-timeout 3)"

echo "net.sh: set-up ${t_setup} s, total $((SECONDS - t_start)) s"
summary ", 0 skipped"
