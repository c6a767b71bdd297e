#!/usr/bin/env bash
# bench-loopgap.sh EMULATOR PKI_DIR BENCH.json CROSS_TREE BOARD... -- the superloop
# figures of `make bench`: each board's fw-emu-superloop image (the GET polled in a
# main loop beside a 1 kHz job), and on the Black Pill fw-emu-superloop-telemetry (a
# GET and telemetry reports at once), in the emulator against nginx. For each: the
# longest gap between two iterations of the loop (sim/emu/emu_loopgap.c) in
# instructions and estimated board ms, the phase it began in, the loop's iterations,
# the 1 kHz job's missed ticks and, where the loop sleeps, the time in WFI.
# Prints a table and adds it to BENCH.json as "loop_gap" (the file is made if absent).
set -euo pipefail
emu=$1 pki=$2 out=$3 cross=$4
shift 4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=()
for board in "$@"; do
  for image in fw-emu-superloop fw-emu-superloop-telemetry; do
    elf=$cross/$image/$board/firmware.elf
    [[ $image == fw-emu-superloop-telemetry && $board != blackpill_f411ce ]] && continue
    [[ -f $elf ]] || { echo "bench-loopgap: no image $elf (make firmware-emu-superloop BOARD=$board)" >&2; exit 1; }
    server=main
    [[ $image == fw-emu-superloop-telemetry ]] && server=ka
    name=$image-$board
    WF_EMU_SECONDS=60 "$here/run-firmware.sh" "$emu" "$elf" "$pki" "$server" -- --json "$work/$name.json" \
      >"$work/$name.log" 2>&1 || { tail -n 30 "$work/$name.log" >&2; echo "bench-loopgap: $name failed" >&2; exit 1; }
    runs+=("$name")
  done
done
python3 - "$out" "$work" "${runs[@]}" <<'PY'
import json, os, re, sys
out, work, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
results = []
print("%-44s %14s %9s %-15s %10s %7s %9s" % ("superloop image", "longest gap", "board ms", "phase", "iterations",
                                             "missed", "WFI ms"))
for name in runs:
    r = json.load(open(os.path.join(work, name + ".json")))
    g = r["loop_gap"]
    console = open(os.path.join(work, name + ".log")).read().replace("\r", "")
    m = re.search(r"^superloop: \d+ iterations; 1 kHz job: (\d+) ticks run, (\d+) missed", console, re.M)
    run, missed = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    sleep_ms = r["sleep_cycles"] * 1e3 / r["assumptions"]["hclk_hz"]
    results.append({"image": name, "longest_instructions": g["longest_instructions"],
                    "longest_board_ms": g["longest_board_ms"], "phase": g["phase"], "iterations": g["iterations"],
                    "ticks_run": run, "ticks_missed": missed, "sleep_ms": round(sleep_ms, 1), "sleeps": r["sleeps"]})
    print("%-44s %14d %9.1f %-15s %10d %7s %9.1f" % (name, g["longest_instructions"], g["longest_board_ms"],
                                                    g["phase"], g["iterations"], missed, sleep_ms))
data = json.load(open(out)) if os.path.exists(out) else {}
data["loop_gap"] = results
json.dump(data, open(out, "w"), indent=2)
PY
