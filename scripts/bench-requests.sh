#!/usr/bin/env bash
# bench-requests.sh EMULATOR PKI_DIR BENCH.json TELEMETRY.elf
# The per-request figures of `make bench` (kept connections and resumed sessions). The
# telemetry image (make firmware-emu-telemetry: three JSON reports, each one
# emulator phase "report-N") runs in the emulator against nginx three times:
#   ka      keep-alive on (TLS 1.3): report 1 = a new connection with a full
#           handshake, report 2 = the same connection reused;
#   noka    keep-alive off (TLS 1.3): report 2 = a new connection resuming the
#           TLS 1.3 session (a ticket, with a fresh ECDHE exchange);
#   noka12  keep-alive off, TLS 1.2 only: report 1 = a full TLS 1.2 handshake,
#           report 2 = a new connection resuming the TLS 1.2 session (a ticket).
# For each: instructions, SPI bytes and the emulator's board time estimate of the
# whole report (connect, handshake, request, response, close), and the share of
# the full handshake's report of the same TLS version. The console must say the
# expected kind for every report used, or the bench fails.
# Prints a table and adds it to BENCH.json as "requests" (the file is made if absent).
set -euo pipefail
emu=$1 pki=$2 out=$3 elf=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -f $elf ]] || { echo "bench-requests: no image $elf (make firmware-emu-telemetry)" >&2; exit 1; }

expect() { # expect SERVER N KIND: the console of SERVER's run says report N was KIND
  # (grep without -q reads all of its input: with -q it may stop early and tr die of SIGPIPE)
  tr -d '\r' <"$work/$1.log" | grep "^report $2: HTTP 200, $3" >/dev/null || {
    tr -d '\r' <"$work/$1.log" | grep -E '^(report [0-9]|fetch|tls|\[phase\])' >&2
    echo "bench-requests: $1: report $2 was not '$3'" >&2
    exit 1
  }
}
for server in ka noka noka12; do
  WF_EMU_SECONDS=120 "$here/run-firmware.sh" "$emu" "$elf" "$pki" "$server" -- --json "$work/$server.json" \
    >"$work/$server.log" 2>&1 || { tail -n 30 "$work/$server.log" >&2; echo "bench-requests: $server run failed" >&2; exit 1; }
done
expect ka 1 "new connection, full handshake"
expect ka 2 "reused connection"
expect noka 2 "new connection, TLS session resumed"
expect noka12 1 "new connection, full handshake"
expect noka12 2 "new connection, TLS session resumed"
grep -q 'tls: TLSv1.3' "$work/noka.log" || { echo "bench-requests: noka was not TLS 1.3" >&2; exit 1; }
grep -q 'tls: TLSv1.2' "$work/noka12.log" || { echo "bench-requests: noka12 was not TLS 1.2" >&2; exit 1; }

python3 - "$out" "$work" <<'PY'
import json, os, sys
out, work = sys.argv[1], sys.argv[2]
def phase(server, n):
    r = json.load(open(os.path.join(work, server + ".json")))
    return next(p for p in r["phases"] if p["name"] == "report-%d" % n)
rows = [
    ("full handshake, TLS 1.3 (first request)", "ka", 1, ("ka", 1)),
    ("reused connection", "ka", 2, ("ka", 1)),
    ("new connection, resumed TLS 1.3 session", "noka", 2, ("ka", 1)),
    ("full handshake, TLS 1.2", "noka12", 1, ("noka12", 1)),
    ("new connection, resumed TLS 1.2 session", "noka12", 2, ("noka12", 1)),
]
results = []
print("%-42s %14s %10s %10s %9s" % ("request (a small JSON POST)", "instructions", "SPI bytes", "board ms", "of full"))
for name, server, n, full in rows:
    p, f = phase(server, n), phase(*full)
    share = p["instructions"] / f["instructions"]
    results.append({"request": name, "server": server, "report": n, "instructions": p["instructions"],
                    "spi_bytes": p["spi_bytes"], "board_ms_estimate": p["board_ms_estimate"],
                    "share_of_full_handshake": round(share, 4)})
    print("%-42s %14d %10d %10.1f %8.1f%%" % (name, p["instructions"], p["spi_bytes"], p["board_ms_estimate"], share * 100))
data = json.load(open(out)) if os.path.exists(out) else {}
data["requests"] = results
json.dump(data, open(out, "w"), indent=2)
PY
