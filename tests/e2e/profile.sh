#!/usr/bin/env bash
# tests/e2e/profile.sh EMULATOR FIRMWARE.elf PKI_DIR -- wf-board-emu --profile on a
# real fetch (scripts/run-firmware.sh: nginx, dnsmasq): the profile must account for
# every instruction of the run, phase by phase, exactly as the emulator's own report
# (--json) counts them; the handshake's table must add up to the handshake, with the
# bignum multiply-accumulate and SHA-256 in it and the handshake entry point taking
# nearly all of it inclusively (the shadow call stack works); every folded stack of
# the handshake starts at the reset handler; inclusive >= self on every row. Also:
# an unwritable --profile path is an error. Prints "ok"/"not ok" lines.
set -uo pipefail
emu=$1 elf=$2 pki=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/../../scripts/run-firmware.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
verdict() { # verdict NAME [WHY...]
  local name=$1
  shift
  if (($# == 0)); then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name: $*"
    tail -n 15 "$work/out" | sed 's/^/#   /'
    failed=$((failed + 1))
  fi
}

WF_EMU_SECONDS=60 "$run" "$emu" "$elf" "$pki" main -- --json "$work/report.json" --profile "$work/prof.txt" \
  >"$work/out" 2>&1
rc=$?
why=()
((rc == 0)) || why+=("emulator exit $rc")
[[ -s $work/prof.txt && -s $work/prof.txt.folded ]] || why+=("no profile written")
if ((${#why[@]} == 0)); then
  # phase instruction counts: the report's and the profile's headers
  python3 - "$work/report.json" "$work/prof.txt" "$work/prof.txt.folded" >"$work/check" 2>&1 <<'PY' || why+=("$(tr '\n' ' ' <"$work/check")")
import json, re, sys
report, prof, folded = sys.argv[1:4]
phases = {p["name"]: p["instructions"] for p in json.load(open(report))["phases"]}
total = phases.pop("total")
text = open(prof).read()
errors = []
m = re.search(r"^# instructions attributed: (\d+)", text, re.M)
if not m or int(m.group(1)) != total:
    errors.append(f"attributed {m and m.group(1)} != run total {total}")
tables = {}
for block in text.split("\n== ")[1:]:
    head, *rows = block.strip().split("\n")
    hm = re.match(r"(?:phase )?(.+): (\d+) instructions ==", head)
    tables[hm.group(1)] = (int(hm.group(2)), [r.split() for r in rows[1:]])
for name, n in phases.items():
    if name not in tables or tables[name][0] != n:
        errors.append(f"phase {name}: profile {tables.get(name, (None,))[0]} != report {n}")
hs_n, rows = tables.get("tls-handshake", (0, []))
self_sum = sum(int(r[1]) for r in rows)
if self_sum != hs_n or hs_n == 0:
    errors.append(f"handshake self counts sum to {self_sum}, the phase has {hs_n}")
byname = {r[0]: r for r in rows}
for r in rows:
    if int(r[3]) < int(r[1]) or int(r[3]) > hs_n:
        errors.append(f"{r[0]}: inclusive {r[3]} not in [self {r[1]}, phase {hs_n}]")
for want in ("mbedtls_mpi_core_mla", "mbedtls_internal_sha256_process"):
    hits = [r for n, r in byname.items() if n.split(".")[0] == want and int(r[1]) > 0]
    if not hits:
        errors.append(f"{want}: no self instructions in the handshake")
# The fetch runs the handshake one step at a time (wf_tls_handshake_step).
hs = next((r for n, r in byname.items() if n.split(".")[0] == "mbedtls_ssl_handshake_step"), None)
if hs is None or int(hs[3]) < 0.9 * hs_n:
    errors.append(f"mbedtls_ssl_handshake_step inclusive {hs and hs[3]} < 90% of {hs_n}")
fsum = 0
for line in open(folded):
    stack, count = line.rsplit(" ", 1)
    frames = stack.split(";")
    if frames[0] == "tls-handshake":
        fsum += int(count)
        if frames[1] != "Reset_Handler":
            errors.append(f"handshake stack not rooted at Reset_Handler: {stack[:120]}")
            break
if fsum != hs_n:
    errors.append(f"handshake folded stacks sum to {fsum}, the phase has {hs_n}")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PY
fi
verdict "wf-board-emu --profile: every instruction attributed, per phase, the handshake's table and stacks add up" "${why[@]}"

# An unwritable profile path: a clear error and a non-zero exit (the run itself is cut short).
"$emu" --max-instructions 1000 --profile /nonexistent-dir/prof.txt "$elf" >"$work/out" 2>&1
rc=$?
why=()
((rc != 0)) || why+=("exit 0")
grep -q 'cannot write /nonexistent-dir/prof.txt' "$work/out" || why+=("no error message")
verdict "wf-board-emu --profile to an unwritable path -> error, non-zero exit" "${why[@]}"

echo "$passed passed, $failed failed"
((failed == 0))
