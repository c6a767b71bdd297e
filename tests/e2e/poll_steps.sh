#!/usr/bin/env bash
# tests/e2e/poll_steps.sh EMULATOR PKI_DIR FULL.elf SMALL.elf BIG.elf -- the longest
# wf_fetch_poll per step, in instructions, from the emulator's poll probe
# (sim/emu/emu_polls.h; the images are built with the fetch's probe, cmake/firmware.cmake):
#   FULL.elf  (fw-emu, full profile): a TLS 1.3 handshake and a small page
#   SMALL.elf (fw-emu-small, small profile): a TLS 1.2 handshake
#   BIG.elf   (fw-bench-big, Nucleo + W5100): 1 MiB + 12345 bytes of body, sent as
#             fast as nginx can: the response steps
# Every step without a public-key operation must stay within 1 000 000 instructions
# (10 ms at 100 MHz: docs/embedding.md); each public-key step within the bound
# below: its measured cost + 25 % (measured figures: docs/embedding.md). The steps
# each run must show are listed too, so that a missing probe cannot pass.
# An instruction count, not a time: the same on every machine.
set -uo pipefail
emu=$1 pki=$2 full=$3 small=$4 big=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/../../scripts/run-firmware.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# check NAME JSON STEP=BOUND... : each listed step present, within its bound;
# every other step not public-key, within 1 000 000.
check() {
  local name=$1 json=$2
  shift 2
  if python3 - "$json" "$@" >"$work/check" 2>&1 <<'PY'; then
import json, sys
report, *bounds = sys.argv[1:]
want = dict((b.rsplit("=", 1)[0], int(b.rsplit("=", 1)[1])) for b in bounds)
polls = {p["step"]: p for p in json.load(open(report)).get("polls", [])}
errors = []
for step, bound in want.items():
    if step not in polls:
        errors.append(f"no poll in step '{step}'")
    elif polls[step]["longest"] > bound:
        errors.append(f"'{step}': longest poll {polls[step]['longest']} > {bound}")
for step, p in polls.items():
    if step in want:
        continue
    if p["public_key"]:
        errors.append(f"public-key step '{step}' ({p['longest']}) has no bound here")
    elif p["longest"] > 1000000:
        errors.append(f"'{step}': longest poll {p['longest']} > 1000000")
for step, p in polls.items():
    print(f"#   {step:32} {p['polls']:6} polls, longest {p['longest']:10}")
if errors:
    print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name"
    failed=$((failed + 1))
  fi
  cat "$work/check"
}

# run TAG ELF: the image against nginx; its JSON report in $work/TAG.json
run() {
  if ! WF_EMU_SECONDS=120 "$run" "$emu" "$2" "$pki" main -- --json "$work/$1.json" >"$work/$1.out" 2>&1; then
    tail -n 20 "$work/$1.out" | sed 's/^/#   /'
  fi
}

run full "$full"
check "TLS 1.3 (full profile): every step <= 1 M instructions but the public-key ones, within theirs" \
  "$work/full.json" "tls1.3 ClientHello=1550000" "tls1.3 ServerHello=1750000" \
  "tls1.3 server Certificate=6450000" "tls1.3 server CertificateVerify=3100000" "connect=1000000" \
  "tls1.3 EncryptedExtensions=1000000" "tls1.3 server Finished=1000000"
run small "$small"
check "TLS 1.2 (small profile): every step <= 1 M instructions but the public-key ones, within theirs" \
  "$work/small.json" "tls1.2 server Certificate=7050000" "tls1.2 ServerKeyExchange=3150000" \
  "tls1.2 ClientKeyExchange=120300000" "tls1.2 client CertificateVerify=1000000" "tls1.2 ServerHello=1000000"
run big "$big"
check "1 MiB body as fast as the server sends: every response poll <= 1 M instructions" \
  "$work/big.json" "response=1000000" "tls1.3 ClientHello=1550000" "tls1.3 ServerHello=1750000" \
  "tls1.3 server Certificate=6450000" "tls1.3 server CertificateVerify=3100000"

echo "$passed passed, $failed failed"
((failed == 0))
