#!/usr/bin/env bash
# tests/emu_irq/gdb.sh EMULATOR FIRMWARE.elf PKI_DIR -- wf-board-emu --gdb with
# gdb-multiarch in batch mode, against the test servers: attach with the ELF
# (built with -g: make test-emu-irq), break in wf_fetch_poll (wf_fetch's loop),
# print the URL wf_fetch was given, step, read registers, continue: the page arrives on the console and gdb
# sees the firmware exit 0. Then the protocol by hand (python): a Ctrl-C (0x03)
# while running stops the CPU (T02), registers and SRAM read (peripherals refused),
# a write watchpoint on a stack word fires, and `k` ends the run with exit 0x76.
# Prints "ok"/"not ok" lines.
set -uo pipefail
emu=$1 elf=$2 pki=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scripts=$here/../../scripts
command -v gdb-multiarch >/dev/null || { echo "not ok - gdb-multiarch is not installed (scripts/install-deps.sh)"; exit 1; }
work=$(mktemp -d)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

# shellcheck source=SCRIPTDIR/../../scripts/test-servers.sh
source "$scripts/test-servers.sh" # traps EXIT: stops the servers
trap 'ts_cleanup; rm -rf "$work"' EXIT
"$scripts/make-pki.sh" "$pki" >/dev/null
ts_start_nginx "$pki"
ts_start_dnsmasq DNS_PORT

port=$(free_port)
timeout -k 5 300 "$emu" --gdb "$port" --max-seconds 60 --map "10.0.0.53:53=127.0.0.1:$DNS_PORT" \
  --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$elf" >"$work/emu.out" 2>"$work/emu.err" &
emu_pid=$!
wait_gdb_port "$work/emu.err"
timeout -k 5 300 gdb-multiarch -q -nx -batch \
  -ex 'set pagination off' -ex 'set confirm off' \
  -ex "target remote 127.0.0.1:$port" \
  -ex 'info registers pc' \
  -ex 'break wf_fetch_poll' -ex 'continue' \
  -ex 'bt' \
  -ex 'frame function wf_fetch' -ex 'print options->url' \
  -ex 'next' -ex 'step' -ex 'info registers pc sp xpsr msp control' \
  -ex 'delete' -ex 'continue' \
  "$elf" >"$work/gdb.out" 2>&1
grc=$?
wait "$emu_pid"
erc=$?
tr -d '\r' <"$work/emu.out" >"$work/console"

why=()
((grc == 0)) || why+=("gdb exit $grc")
grep -Eq '(in |^)Reset_Handler \(\)' "$work/gdb.out" || why+=("not attached at the reset handler")
grep -Eq '^Breakpoint 1[.0-9]*, .*wf_fetch_poll \(' "$work/gdb.out" || why+=("no stop in wf_fetch_poll")
grep -Eq '^#[0-9]+ +wf_fetch \(' "$work/gdb.out" || why+=("no wf_fetch in the backtrace")
grep -Eq '^#[0-9]+ .* main \(\)' "$work/gdb.out" || why+=("no backtrace to main")
grep -q '= .*"https://www.example.test/"' "$work/gdb.out" || why+=("options->url not printed")
grep -Eq '^xpsr +0x[0-9a-f]*' "$work/gdb.out" || why+=("no xpsr")
grep -Eq '^msp +0x2' "$work/gdb.out" || why+=("no msp")
verdict "gdb attaches, breaks in wf_fetch_poll, prints wf_fetch's argument, steps, reads registers" "${why[@]}"

why=()
grep -q 'exited normally' "$work/gdb.out" || why+=("gdb did not see the exit")
((erc == 0)) || why+=("emulator exit $erc")
grep -q '^fetched [0-9]* bytes, HTTP 200' "$work/console" || why+=("no page")
verdict "continue: the page arrives, the firmware exits 0" "${why[@]}"
if ((failed)); then
  sed 's/^/#   gdb: /' "$work/gdb.out" | tail -n 40
  tail -n 20 "$work/emu.err" | sed 's/^/#   emu: /'
fi

# The protocol by hand: interrupt, registers, a watchpoint, kill.
port=$(free_port)
"$emu" --gdb "$port" --max-seconds 60 "$elf" >/dev/null 2>"$work/emu2.err" &
emu_pid=$!
wait_gdb_port "$work/emu2.err"
python3 - "$port" >"$work/raw.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
buf = b""
def send(p):
    s.sendall(b"$" + p + b"#%02x" % (sum(p) & 0xFF))
def packet():
    global buf
    while True:
        i = buf.find(b"$")
        j = buf.find(b"#", i)
        if i >= 0 and j >= 0 and len(buf) >= j + 3:
            p, buf = buf[i + 1:j], buf[j + 3:]
            s.sendall(b"+")
            return p.decode()
        buf += s.recv(65536)
send(b"qSupported:swbreak+"); print("supported", packet())
send(b"?"); print("stop", packet())
send(b"c"); time.sleep(0.5); s.sendall(b"\x03"); print("interrupt", packet())
send(b"p10"); print("xpsr", packet())
send(b"m20000000,4"); print("sram", packet())
send(b"m40011000,4"); print("mmio", packet())
send(b"p0d"); sp = int.from_bytes(bytes.fromhex(packet()), "little")
send(b"Z2,%x,4" % (sp - 4)); print("watch", packet())
send(b"c"); print("watchhit", packet())
send(b"z2,%x,4" % (sp - 4)); print("unwatch", packet())
send(b"k")
time.sleep(0.2)
PY
wait "$emu_pid"
krc=$?
why=()
grep -q '^supported PacketSize=.*qXfer:features:read+' "$work/raw.out" || why+=("qSupported")
grep -q '^stop T05' "$work/raw.out" || why+=("initial stop")
grep -q '^interrupt T02' "$work/raw.out" || why+=("Ctrl-C did not stop the run")
grep -Eq '^xpsr [0-9a-f]{8}$' "$work/raw.out" || why+=("p 16")
grep -Eq '^sram [0-9a-f]{8}$' "$work/raw.out" || why+=("m in SRAM")
grep -q '^mmio E01' "$work/raw.out" || why+=("peripheral memory should be refused")
grep -Eq '^watchhit T05watch:[0-9a-f]{8};' "$work/raw.out" || why+=("write watchpoint")
((krc == 0x76)) || why+=("kill: exit $krc, expected 0x76")
verdict "the protocol: Ctrl-C, p, m (SRAM yes, peripherals no), Z2 watchpoint, k" "${why[@]}"
((failed)) && sed 's/^/#   raw: /' "$work/raw.out"

# Detach: the run goes on without gdb (here to its time limit, no servers).
port=$(free_port)
"$emu" --gdb "$port" --max-seconds 0.5 "$elf" >/dev/null 2>"$work/emu3.err" &
emu_pid=$!
wait_gdb_port "$work/emu3.err"
timeout -k 5 60 gdb-multiarch -q -nx -batch -ex "target remote 127.0.0.1:$port" -ex 'detach' "$elf" >"$work/gdb3.out" 2>&1
wait "$emu_pid"
drc=$?
why=()
grep -q 'detached: the run goes on' "$work/emu3.err" || why+=("no detach")
((drc == 0x72)) || why+=("exit $drc, expected the time limit 0x72")
verdict "detach: the run goes on to its end" "${why[@]}"
exit $((failed > 0))
