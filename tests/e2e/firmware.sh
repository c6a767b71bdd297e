#!/usr/bin/env bash
# tests/e2e/firmware.sh EMULATOR FIRMWARE.elf PKI_DIR -- the firmware image in the
# emulator against real nginx and dnsmasq (scripts/run-firmware.sh), as the
# board the image names in its .board_id (nucleo_f411re: W5100 shield;
# blackpill_f411ce: W5500 module with its reset on PA3): a TLS 1.3
# fetch and a TLS 1.2 fetch with the page checked byte for byte through the
# board's chip, on the Nucleo also a TLS 1.3 fetch through the W5500 model
# (--chip w5500; the Black Pill's 25 MHz SPI is beyond a W5100), an unknown
# CA, whose error and retry must show on the console, and the entropy seed in
# flash: one record per boot, and a power cut in the middle of a seed update
# (a record half programmed, or the other sector half erased) leaves the
# previous seed valid for the next boot. The emulator exits 0 only
# if the firmware signalled success and the chip model saw no violation.
# Prints "ok"/"not ok" lines and "N passed, M failed".
set -uo pipefail
emu=$1 elf=$2 pki=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/../../scripts/run-firmware.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
read -r board chip < <("$emu" --print-board "$elf") || { echo "not ok - $elf: no board to emulate"; exit 1; }
echo "# board $board, chip $chip"

verdict() { # verdict NAME [WHY...]
  local name=$1
  shift
  if (($# == 0)); then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name: $*"
    sed 's/^/#   /' "$work/out" | tail -n 15
    failed=$((failed + 1))
  fi
}

# The page as served (docroot of scripts/test-servers.sh) vs. the page on the
# console: the console turns "\n" into "\r\n"; everything else must be equal.
page_ok() {
  local served=$1
  tr -d '\r' <"$work/out" >"$work/console"
  grep -qxF "$(head -n 1 "$served")" "$work/console" || return 1
  # The body sits between the blank line after the headers and "[phase] done".
  awk 'body && /^\[phase\] done$/ { exit } body { print } /^HTTP\/1\.1 200/ { head = 1 } head && /^$/ && !body { body = 1 }' \
    "$work/console" >"$work/body"
  cmp -s "$served" "$work/body"
}

fetch_case() { # fetch_case NAME SERVER TLS_VERSION_REGEX CHIP [EMULATOR OPTIONS...]
  local name=$1 server=$2 version=$3 chip=$4 why=()
  shift 4
  WF_EMU_SECONDS=60 WF_SAVE_PAGE="$work/served.html" "$run" "$emu" "$elf" "$pki" "$server" ${1+-- "$@"} \
    >"$work/out" 2>&1
  local rc=$?
  ((rc == 0)) || why+=("emulator exit $rc")
  grep -q "^$chip up" "$work/out" || why+=("no '$chip up' on the console")
  grep -q "tls: $version" "$work/out" || why+=("no '$version' on the console")
  grep -q 'subject: CN=www.example.test' "$work/out" || why+=("no certificate summary")
  grep -q 'stop: exit: firmware exit (bkpt #0xAB) with code 0' "$work/out" || why+=("firmware did not report success")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
  page_ok "$work/served.html" || why+=("the page on the console differs from the served file")
  if [[ $board == blackpill_f411ce ]]; then # the driver resets the module through PA3
    grep -Eq 'chip /RESET \(PA3\): [1-9]' "$work/out" || why+=("no reset pulse on PA3")
  fi
  verdict "$name" "${why[@]}"
}

fetch_case "firmware in the emulator ($board): TLS 1.3 fetch (RSA chain) through a $chip" main 'TLSv1\.3' "$chip"
fetch_case "firmware in the emulator ($board): TLS 1.2 fetch (TLS 1.2-only server)" tls12 'TLSv1\.2' "$chip"

if [[ $board == nucleo_f411re ]]; then
  # The same image against the W5500 model: auto-detection must find it.
  fetch_case "firmware in the emulator ($board): TLS 1.3 fetch through a W5500" main 'TLSv1\.3' W5500 --chip w5500
fi

# Unknown CA: the firmware must say why and retry; the run ends at its time limit.
WF_EMU_SECONDS=8 "$run" "$emu" "$elf" "$pki" unknown >"$work/out" 2>&1
why=()
grep -q 'fetch failed in tls: certificate not issued by a trusted CA' "$work/out" || why+=("no TLS error on the console")
grep -q 'retrying in 2000 ms' "$work/out" || why+=("no retry on the console")
[[ $(grep -c '^\[phase\] tls-handshake' "$work/out") -ge 2 ]] || why+=("the handshake was not retried")
grep -q 'violation' "$work/out" && why+=("chip-model violation")
verdict "firmware in the emulator ($board): unknown CA -> error on the console, retry with backoff" "${why[@]}"

# ---- the entropy seed across boots (one seed file = one board's sectors 6 and 7) ----
boot() { # boot SEEDFILE [EMULATOR OPTIONS...]: one run, console + report in $work/out, exit code in $boot_rc
  local file=$1
  shift
  WF_EMU_SECONDS=60 "$run" "$emu" "$elf" "$pki" main -- --seed-file "$file" "$@" >"$work/out" 2>&1
  boot_rc=$?
}
fetched() { grep -q 'stop: exit: firmware exit (bkpt #0xAB) with code 0' "$work/out" && grep -q '^fetched .* HTTP 200' "$work/out"; }
seed_at_end() { grep -q "^seed store at end: latest valid record seq $1 (64 bytes) in sector $2 slot $3\$" "$work/out"; }
programs() { grep -q "flash erases $1, programs $2;" "$work/out"; }

seed=$work/seed.bin # a fresh board
why=()
boot "$seed"
fetched || why+=("first boot did not fetch")
grep -q '^entropy seed: none stored (first boot)' "$work/out" || why+=("no first-boot seed line")
seed_at_end 1 6 0 || why+=("not exactly one record after the first boot")
programs 0 20 || why+=("first boot did not program exactly one 20-word record")
boot "$seed"
fetched || why+=("second boot did not fetch")
grep -q '^entropy seed: stored seed loaded' "$work/out" || why+=("second boot did not load the stored seed")
seed_at_end 2 6 1 && programs 0 20 || why+=("second boot did not write exactly one record")
verdict "firmware in the emulator ($board): one seed record per boot" "${why[@]}"

why=()
boot "$seed" --power-cut-program 10 # the 10th of the record's 20 words, half programmed
((boot_rc == 0x74)) || why+=("the run was not cut (exit $boot_rc)")
grep -q 'power cut while programming flash at 0x0804' "$work/out" || why+=("no power cut in the seed sector")
seed_at_end 2 6 1 || why+=("the previous seed is not the latest valid record after the cut")
boot "$seed"
fetched || why+=("the boot after the cut did not fetch")
grep -q '^entropy seed: stored seed loaded' "$work/out" || why+=("the boot after the cut did not load the stored seed")
seed_at_end 3 6 3 || why+=("the torn slot 2 was not skipped (seq 3 expected in slot 3)")
verdict "firmware in the emulator ($board): power cut while programming a seed record -> previous seed valid, next boot fetches" "${why[@]}"

# Sector 6 full (1638 earlier boots): the update erases sector 7, and the cut lands in that erase.
why=()
seed=$work/seed-full.bin
boot "$seed" --seed-records 1638 --power-cut-erase 1
((boot_rc == 0x74)) || why+=("the run was not cut (exit $boot_rc)")
grep -q 'power cut during the erase of sector 7' "$work/out" || why+=("no power cut in the erase of sector 7")
seed_at_end 1638 6 1637 || why+=("the previous seed is not the latest valid record after the cut")
boot "$seed"
fetched || why+=("the boot after the cut did not fetch")
grep -q '^entropy seed: stored seed loaded' "$work/out" || why+=("the boot after the cut did not load the stored seed")
seed_at_end 1639 7 0 && programs 1 20 || why+=("sector 7 was not erased and its slot 0 written")
verdict "firmware in the emulator ($board): power cut while erasing the other seed sector -> previous seed valid, next boot fetches" "${why[@]}"

echo "$passed passed, $failed failed"
((failed == 0))
