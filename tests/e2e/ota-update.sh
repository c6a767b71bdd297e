#!/usr/bin/env bash
# tests/e2e/ota-update.sh EMULATOR CROSS_TREE PKI_DIR BOARD -- firmware updates in the emulator
# (docs/ota.md): the bootloader and the update-slot images of BOARD (CROSS_TREE:
# boot/<board>/bootloader.bin, fw-ota/<board>/{a,b}/firmware.elf,
# fw-ota-sick/<board>/b/firmware.elf; the release key CROSS_TREE/ota/test-release-key.pem)
# against nginx (the update served from /ota/<board>/<slot>.bin) and dnsmasq, the
# flash kept in a file between runs (wf-board-emu --flash-file) as across power cycles.
#   update    v1 (as flashed) confirms itself, downloads v2 into slot B, verifies and
#             marks it, resets; the bootloader starts v2 on trial, v2 confirms itself and
#             refuses the same version for slot A; the next power-up starts v2, confirmed
#   rollback  v2 never passes its health check: after 3 boots on trial the bootloader
#             rolls back to v1, which then refuses to install that image again
#   refuse    each refused image (another board, not newer, the other slot's, signed by
#             another key, damaged, truncated, larger than the slot): the console says
#             why, and the next boot starts v1 confirmed; a refusal by the header leaves
#             slot B's flash as it was
#   cut       power cuts (the Nth flash erase or word program of the run torn half-way, or
#             an instruction count) during the download, the erase, the trial mark, the
#             bootloader's boot count, the confirmation and after it; after each cut the
#             next power-up boots a valid image (v2 when the mark was complete) and the
#             update ends with v2 confirmed. Prints the table of cut points and outcomes.
# OTA_AREA=NAME runs one area (ctest: firmware_ota_<board>_<area>). OTA_CUTS=few (what
# ctest runs): one cut per phase (erase, download, trial mark, boot count, confirmation,
# after it) instead of all 11 (make test-ota prints the whole table for the Nucleo).
set -uo pipefail
emu=$1 cross=$2 pki=$3 board=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scripts=$here/../../scripts
# shellcheck source=harness.sh
source "$here/harness.sh"
harness_areas OTA_AREA update rollback refuse cut
# shellcheck source=../../scripts/ota-emu.sh
source "$scripts/ota-emu.sh"
ota_servers "$pki" "$board"

key=$cross/ota/test-release-key.pem
boot_bin=$cross/boot/$board/bootloader.bin
elf_a=$cross/fw-ota/$board/a/firmware.elf
elf_b=$cross/fw-ota/$board/b/firmware.elf
elf_sick=$cross/fw-ota-sick/$board/b/firmware.elf
for f in "$key" "$boot_bin" "$elf_a" "$elf_b" "$elf_sick"; do
  [[ -f $f ]] || { echo "ota-update.sh: missing $f (make ota-images)" >&2; exit 1; }
done
other_board=nucleo_f411re
[[ $board == nucleo_f411re ]] && other_board=blackpill_f411ce
work=$TS_DIR/ota
served=$OTA_SERVED
mkdir -p "$work"

sign() { # ELF VERSION OUT [ota-sign.py options]
  local elf=$1 version=$2 out=$3
  shift 3
  python3 "$scripts/ota-sign.py" sign --key "$key" --elf "$elf" --version "$version" --board "$board" \
    --build "v$version" "$@" -o "$out" >/dev/null
}
sign "$elf_a" 1 "$work/v1-a.bin"
sign "$elf_b" 2 "$work/v2-b.bin"
sign "$elf_a" 2 "$work/v2-a.bin"
sign "$elf_sick" 2 "$work/sick-b.bin" --build "v2-sick"

serve() { # FILE SLOT: the update for that slot (no FILE: nothing served, 404)
  rm -f "$served/$2.bin"
  if [[ -n $1 ]]; then cp "$1" "$served/$2.bin" && chmod 644 "$served/$2.bin"; fi
}

# run FLASH LOG [emulator options]: one power-up until the firmware exits (or the cut).
run() {
  local flash=$1 log=$2
  shift 2
  ota_emu "$emu" "$flash" "$elf_a" "$@" >"$log" 2>&1
}
# first_run FLASH LOG: the first power-up of a new board, as `make flash` leaves it (the
# bootloader, v1 in slot A).
first_run() {
  local flash=$1 log=$2
  shift 2
  rm -f "$flash"
  run "$flash" "$log" --load "0x08000000:$boot_bin" --load "0x08010000:$work/v1-a.bin" "$@"
}
has() { grep -qF -- "$2" "$1"; }
expect() { # LOG TEXT...: every TEXT is on the console
  local log=$1 t
  shift
  for t in "$@"; do has "$log" "$t" || fail "console lacks '$t'"; done
}
case_on_fail() { [[ -n ${LOG:-} && -f $LOG ]] && grep -E '^(boot|ota|wf-board-emu|fetch)' "$LOG" | tail -n 25 | sed 's/^/# /'; }

# The base: v1 confirmed, nothing to update (404), slot B empty.
base=$work/base.flash
serve "" b
first_run "$base" "$work/base.log" || true

area update
begin update_v1_to_v2
if [[ $SKIP == 0 ]]; then
  LOG=$work/update.log
  serve "$work/v2-b.bin" b
  serve "$work/v2-a.bin" a
  cp "$base" "$work/update.flash"
  run "$work/update.flash" "$LOG" || fail "emulator exit $?"
  expect "$LOG" "boot: starting slot A v1 (v1): confirmed" \
    "ota: slot B v2 (v2) verified (signature, SHA-256) and marked for trial: resetting" \
    "boot: starting slot B v2 (v2): on trial, boot 1 of 3" "ota: slot B v2 confirmed (health check passed)" \
    "ota: refused the image: not newer than the running image (downgrade not allowed); slot A is untouched"
  LOG=$work/update-2.log
  run "$work/update.flash" "$LOG" || fail "second power-up: emulator exit $?"
  expect "$LOG" "boot: starting slot B v2 (v2): confirmed" "ota: running slot B, v2 (v2), confirmed"
  has "$work/base.log" "boot: starting slot A v1 (v1): as flashed (no update state)" ||
    fail "the first boot of a new board did not start v1 as flashed"
  expect "$work/base.log" "ota: slot A v1 confirmed (health check passed)"
fi
end

area rollback
begin rollback_unconfirmed_v2
if [[ $SKIP == 0 ]]; then
  LOG=$work/rollback.log
  serve "$work/sick-b.bin" b
  cp "$base" "$work/rollback.flash"
  run "$work/rollback.flash" "$LOG" || fail "emulator exit $?"
  expect "$LOG" "ota: slot B v2 (v2-sick) verified (signature, SHA-256) and marked for trial: resetting" \
    "boot: starting slot B v2 (v2-sick): on trial, boot 1 of 3" "boot: starting slot B v2 (v2-sick): on trial, boot 3 of 3" \
    "ota: slot B v2 on trial failed its health check: resetting" \
    "boot: rollback: slot B v2 (v2-sick) did not confirm itself within 3 boots" \
    "boot: starting slot A v1 (v1): confirmed" \
    "ota: refused the image: it was rolled back before (never confirmed); slot B is untouched"
  has "$LOG" "on trial, boot 4 of" && fail "a fourth boot on trial"
fi
end

area refuse
# refused NAME FILE TEXT [untouched]: FILE served as slot B's update is refused with TEXT;
# the next power-up starts v1 confirmed; "untouched": slot B's flash is as before.
refused() {
  local name=$1 file=$2 text=$3 untouched=${4:-}
  begin "refuse_$name"
  if [[ $SKIP == 0 ]]; then
    LOG=$work/refuse-$name.log
    serve "$file" b
    cp "$base" "$work/refuse.flash"
    run "$work/refuse.flash" "$LOG" || fail "emulator exit $?"
    expect "$LOG" "$text" "the running image is untouched"
    has "$LOG" "marked for trial" && fail "the image was marked for trial"
    if [[ -n $untouched ]] && ! cmp -s <(tail -c +$((0x40000 + 1)) "$base") <(tail -c +$((0x40000 + 1)) "$work/refuse.flash"); then
      fail "slot B's flash changed"
    fi
    serve "" b
    LOG=$work/refuse-$name-2.log
    run "$work/refuse.flash" "$LOG" || fail "next power-up: emulator exit $?"
    expect "$LOG" "boot: starting slot A v1 (v1): confirmed"
  fi
  end
}
sign "$elf_b" 3 "$work/other-board.bin" --board "$other_board"
refused other_board "$work/other-board.bin" "ota: refused the image: built for another board; slot B is untouched" untouched
sign "$elf_b" 1 "$work/same-version.bin"
refused not_newer "$work/same-version.bin" "ota: refused the image: not newer than the running image" untouched
refused other_slot "$work/v2-a.bin" "ota: refused the image: linked for the other slot; slot B is untouched" untouched
python3 "$scripts/ota-sign.py" keygen "$work/other-key.pem" 2>/dev/null || true
python3 "$scripts/ota-sign.py" sign --key "$work/other-key.pem" --elf "$elf_b" --version 3 --board "$board" \
  -o "$work/other-key.bin" >/dev/null
refused unsigned "$work/other-key.bin" "ota: refused the image: not signed by the release key"
cp "$work/v2-b.bin" "$work/damaged.bin"
printf '\x5a' | dd of="$work/damaged.bin" bs=1 seek=70000 conv=notrunc status=none
refused damaged "$work/damaged.bin" "ota: refused the image: damaged (SHA-256 mismatch)"
head -c 100000 "$work/v2-b.bin" >"$work/truncated.bin"
refused truncated "$work/truncated.bin" "ota: refused the image: truncated"
head -c $((300 * 1024)) /dev/urandom >"$work/too-big.bin"
too_big_text="image larger than its slot"
refused too_big "$work/too-big.bin" "ota: download failed: $too_big_text" untouched

area cut
# Where the cut landed, from the emulator's message: the phase of the update it interrupted.
cut_phase() { # LOG
  local m addr
  m=$(grep -oE 'power cut (while programming flash at 0x[0-9A-F]+|during the erase of sector [0-9]+)' "$1" | head -n 1)
  if [[ $m == *erase* ]]; then
    echo "erase of sector ${m##* }"
    return
  fi
  if [[ -z $m ]]; then # an instruction count: the phase the firmware was in
    echo "instr. count, phase $(tr -d '\r' <"$1" | sed -n 's/^\[phase\] //p' | tail -n 1)"
    return
  fi
  addr=$((16#${m##*0x}))
  local slot_b=$((0x08040000)) trailer_b=$((0x08080000 - 256)) trailer_a=$((0x08040000 - 256))
  if ((addr >= trailer_b)); then
    local w=$(((addr - trailer_b) / 4))
    if ((w < 4)); then echo "trial mark word $((w + 1))/4"
    elif ((w < 12)); then echo "boot count (bootloader)"
    elif ((w < 20)); then echo "confirmation"
    else echo "rejection"; fi
  elif ((addr >= trailer_a && addr < slot_b)); then
    echo "slot A state"
  elif ((addr >= slot_b && addr < slot_b + 512)); then
    echo "download: image header"
  elif ((addr >= slot_b)); then
    echo "download: payload"
  elif ((addr >= 0x08010000)); then
    echo "slot A (re-download)"
  else
    echo "seed store"
  fi
}
if area_selected; then
  serve "$work/v2-b.bin" b
  serve "$work/v2-a.bin" a
  # The reference run (no cut): how many word programs the download and each later write is.
  cp "$base" "$work/ref.flash"
  run "$work/ref.flash" "$work/ref.log" || true
  dl_programs=$(tr -d "\r" <"$work/ref.log" | sed -n 's/^ota: [0-9]* bytes in slot B ([0-9]* sector erases, \([0-9]*\) word programs)/\1/p' | head -n 1)
  # Instruction counts: the base run's total is about where the download starts.
  base_instr=$(awk '$1 == "total" { print $2; exit }' "$work/base.log")
  dl_instr=$(awk '$1 == "ota-download" { print $2; exit }' "$work/ref.log")
  ref_instr=$(awk '$1 == "total" { print $2; exit }' "$work/ref.log")
  [[ -n $dl_programs && -n $dl_instr && -n $base_instr && -n $ref_instr ]] ||
    verdict cut_reference "no reference figures (download programs, instructions)"
  seed=20 # a boot's seed record: 20 words (ports/stm32f4/seed_store.h)
  first=$((seed + 1)) last=$((seed + dl_programs))
  mark=$((last + 1))
  attempt=$((last + 4 + 1))
  confirm=$((attempt + seed + 1))
  printf '%-34s %-28s %-32s %s\n' "cut" "landed in" "next power-up starts" "update ended with"
  # cut_case NAME EMULATOR-OPTION VALUE MARKED [STARTS]: MARKED=1 when the trial mark is
  # complete before it; STARTS: what the next power-up must start.
  cut_case() {
    local name=$1 opt=$2 value=$3 marked=$4 want=${5:-}
    begin "cut_$name"
    [[ $SKIP == 0 ]] || { end; return; }
    LOG=$work/cut-$name.log
    cp "$base" "$work/cut.flash"
    run "$work/cut.flash" "$LOG" "$opt" "$value"
    local rc=$? landed starts ended
    landed=$(cut_phase "$LOG")
    [[ $rc == 116 || $rc == 114 ]] || fail "the cut run ended with exit $rc, not the power cut (0x74) or the limit (0x72)"
    LOG=$work/cut-$name-2.log
    run "$work/cut.flash" "$LOG" || fail "the power-up after the cut: emulator exit $?"
    starts=$(grep -m1 '^boot: starting' "$LOG" | tr -d '\r' | sed 's/^boot: starting //')
    [[ -n $starts ]] || fail "no image started after the cut"
    if [[ $marked == 1 && $starts != "slot B v2"* ]]; then fail "the update had finished, but $starts"; fi
    if [[ -n $want && $starts != "$want" ]]; then fail "the next power-up started $starts, not $want"; fi
    if has "$LOG" "ota: slot B v2 confirmed" || has "$LOG" "boot: starting slot B v2 (v2): confirmed"; then
      ended="v2 confirmed"
    else
      ended="not v2"
      fail "the update did not end with v2 confirmed"
    fi
    printf '%-34s %-28s %-32s %s\n' "$name ($opt $value)" "$landed" "$starts" "$ended"
    end
  }
  few() { [[ ${OTA_CUTS:-} == few ]]; }
  cut_case erase_state_sector --power-cut-erase 1 0
  few || cut_case erase_first_sector --power-cut-erase 2 0
  few || cut_case header_word --power-cut-program $first 0
  cut_case mid_download --power-cut-program $((first + dl_programs / 2)) 0
  few || cut_case instruction_count --max-instructions $((base_instr + dl_instr / 2)) 0
  few || cut_case last_payload_word --power-cut-program $last 0
  few || cut_case mark_seq_word --power-cut-program $mark 0
  cut_case mark_magic_word --power-cut-program $((mark + 3)) 0
  # A torn boot-count word counts as spent; a torn confirmation is none.
  cut_case boot_count --power-cut-program $attempt 1 "slot B v2 (v2): on trial, boot 2 of 3"
  cut_case confirmation --power-cut-program $confirm 1 "slot B v2 (v2): on trial, boot 2 of 3"
  cut_case after_confirmation --max-instructions $((ref_instr - 2000000)) 1
fi

[[ -n ${OTA_KEEP:-} ]] && cp -r "$work" "$OTA_KEEP"
summary
