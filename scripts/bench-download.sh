#!/usr/bin/env bash
# bench-download.sh EMULATOR PKI_DIR BENCH.json CROSS_DIR BOARD...
# The 1 MiB HTTPS downloads of `make bench`: each BOARD's images in the cross tree
# CROSS_DIR (make firmware-emu-bench: fw-bench-big/BOARD/firmware.elf fetches
# /big.bin, 1 MiB + 12345 bytes with Content-Length; fw-bench-chunked/BOARD the
# same bytes chunked) run in the emulator as the board they name, against nginx (the "main" server: TLS 1.3). From the emulator's report of
# the "http" phase (request and response; the handshake is a phase of its own):
#   instructions per KiB of body;
#   SPI bytes per payload byte: all SPI bytes over the bytes moved through the chip's
#     socket buffers (the TLS records, both ways), the chip model's own count;
#   estimated board rate, KB/s (1 KB = 1000 bytes): body bytes / the emulator's board
#     time estimate (simulated time) = instructions x CPI / HCLK + the time the CPU
#     waited for the SPI bus (the bus runs beside the CPU: a filled TX buffer, DMA on the
#     Black Pill; no gaps between SPI bytes; the network and server are not limits).
#     Also printed: the bus time of the phase's SPI bytes (SPI ms) and the part of it
#     the CPU waited for (wait ms).
# Prints a table and adds it to BENCH.json as "downloads" (the file is made if absent).
# Fails if a download did not complete with HTTP 200 and every byte.
set -euo pipefail
emu=$1 pki=$2 out=$3 cross=$4
shift 4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
body_bytes=$((1048576 + 12345)) # scripts/test-servers.sh: big.bin
rows=()
for image_board in "$@"; do
  for kind in big chunked; do
    elf=$cross/fw-bench-$kind/$image_board/firmware.elf
    [[ -f $elf ]] || { echo "bench-download: no image $elf (make firmware-emu-bench)" >&2; exit 1; }
    read -r board chip < <("$emu" --print-board "$elf")
    log=$work/$board-$kind.log
    WF_EMU_SECONDS=120 "$here/run-firmware.sh" "$emu" "$elf" "$pki" main -- --json "$work/$board-$kind.json" \
      >"$log" 2>&1 || { tail -n 30 "$log" >&2; echo "bench-download: $elf failed" >&2; exit 1; }
    grep -q "^fetched $body_bytes bytes, HTTP 200" "$log" || {
      tail -n 30 "$log" >&2
      echo "bench-download: $elf: not $body_bytes bytes with HTTP 200" >&2
      exit 1
    }
    rows+=("$board $chip $kind $work/$board-$kind.json")
  done
done
python3 - "$out" "$body_bytes" "${rows[@]}" <<'PY'
import json, os, sys
out, body = sys.argv[1], int(sys.argv[2])
results = []
for row in sys.argv[3:]:
    board, chip, kind, path = row.split(" ", 3)
    r = json.load(open(path))
    http = next(p for p in r["phases"] if p["name"] == "http")
    hs = next((p for p in r["phases"] if p["name"] == "tls-handshake"), None)
    a = r["assumptions"]
    results.append({
        "board": board, "chip": chip,
        "transfer": "Content-Length" if kind == "big" else "chunked",
        "body_bytes": body,
        "http_instructions": http["instructions"],
        "instructions_per_kib": round(http["instructions"] / (body / 1024), 1),
        "spi_bytes": http["spi_bytes"], "payload_bytes": http["payload_bytes"],
        "spi_bytes_per_payload_byte": round(http["spi_bytes"] / http["payload_bytes"], 4),
        "board_ms_estimate": http["board_ms_estimate"],
        "cpu_ms_estimate": round(http["instructions"] * a["board_cpi"] / a["hclk_hz"] * 1e3, 3),
        "spi_ms_estimate": round(http["spi_bytes"] * 8 / a["spi_sck_hz"] * 1e3, 3),
        "bus_wait_ms": http["bus_wait_ms"],
        "board_kb_per_s": round(body / http["board_ms_estimate"], 1),
        "handshake_instructions": hs["instructions"] if hs else None,
        "hclk_hz": a["hclk_hz"], "spi_sck_hz": a["spi_sck_hz"], "board_cpi": a["board_cpi"],
    })
print(f'{"board / chip":28} {"transfer":15} {"instr/KiB":>10} {"SPI B/payload B":>16} '
      f'{"CPU ms":>8} {"SPI ms":>8} {"wait ms":>8} {"board KB/s":>11}  (SCK MHz)')
for x in results:
    print(f'{x["board"] + " / " + x["chip"]:28} {x["transfer"]:15} {x["instructions_per_kib"]:>10.0f} '
          f'{x["spi_bytes_per_payload_byte"]:>16.4f} {x["cpu_ms_estimate"]:>8.1f} {x["spi_ms_estimate"]:>8.1f} '
          f'{x["bus_wait_ms"]:>8.1f} '
          f'{x["board_kb_per_s"]:>11.1f}  ({x["spi_sck_hz"] / 1e6:g})')
doc = json.load(open(out)) if os.path.exists(out) else {}
doc["downloads"] = results
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
PY
