#!/usr/bin/env bash
# tests/e2e/firmware.sh EMULATOR FIRMWARE.elf PKI_DIR [SYSTEM_PLUS_TEST.elf SYSTEM.elf
#                       [PINNED.elf PINNED_OTHER.elf]] -- the firmware image in the
# emulator against real nginx and dnsmasq (scripts/run-firmware.sh), as the
# board the image describes in its .board_desc (nucleo_f411re: W5100 shield;
# blackpill_f411ce: W5500 module with its reset on PA3): a TLS 1.3
# fetch and a TLS 1.2 fetch with the page checked byte for byte through the
# board's chip, on the Nucleo also a TLS 1.3 fetch through the W5500 model
# (--chip w5500; the Black Pill's 25 MHz SPI is beyond a W5100), an unknown
# CA, whose error and retry must show on the console, and the entropy seed in
# flash: one record per boot, and a power cut in the middle of a seed update
# (a record half programmed, or the other sector half erased) leaves the
# previous seed valid for the next boot. With WF_FW_POST_ELF=IMAGE (make
# firmware-emu-post: POST {"hello":"board"} with Content-Type and Authorization
# fields), that image against the echo server, whose view of the request must be
# exactly the one expected, and whose answer must be on the console. The emulator
# exits 0 only if the firmware signalled success and the chip model saw no violation.
# With the two optional images (make firmware-emu-system: the whole system root
# set in flash, plus the test root / alone): the first fetches the page with an
# mbedTLS heap peak within 2 KiB of FIRMWARE.elf's (one root), the second fails
# with the certificate error and retries. The pinned images (WF_FW_PINNED_KEY, make
# firmware-emu-system): another key and the server's -> fetches; another key alone
# -> "SSL public key does not match pinned public key", retried.
# Client certificates: the image with a provisioned credentials sector (an ECDSA
# device certificate) against nginx with ssl_verify_client on -> nginx verified it
# and saw the DN; nothing provisioned, or a damaged sector (said on the console)
# -> nginx answers 400.
# With WF_FW_SMALL_ELF=IMAGE (make firmware-emu-small: the small TLS profile), a
# TLS 1.2 fetch with that image.
# Every run's peaks are checked against the image's reservations minus the
# margins the build put into it (cmake/firmware.cmake): the stack peak the
# emulator measured (painting) against _estack - _sstack - wf_fw_stack_margin,
# and the firmware's "mbedTLS pool high water" against the pool (tls_pool) -
# wf_fw_pool_margin. A run over either fails its case; the highest peaks are printed.
# FW_AREA=NAME runs only the cases of one area (the `if fw_area NAME` blocks below:
# fetch, mtls, seed, variants, superloop, records; ctest runs one test per area, tests/CMakeLists.txt).
# With WF_FW_SMALLREC_ELF, WF_FW_SMALLREC13_ELF, WF_FW_SMALL_SMALLREC_ELF (the small-records
# images, cmake/firmware.cmake), area records: those against nginx (max_fragment_length),
# gnutls-serv (record_size_limit) and openssl s_server (honours neither: the error).
# Prints "ok"/"not ok" lines and "N passed, M failed" (tests/e2e/harness.sh).
set -uo pipefail
emu=$1 elf=$2 pki=$3 elf_system_plus=${4:-} elf_system=${5:-} elf_pinned=${6:-} elf_pinned_other=${7:-}
post_elf=${WF_FW_POST_ELF:-} # the POST image (environment, so other images can take arguments)
small_elf=${WF_FW_SMALL_ELF:-} # the small-profile image
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/../../scripts/run-firmware.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=SCRIPTDIR/harness.sh
source "$here/harness.sh" # verdict, summary, area selection
# shellcheck disable=SC2046
harness_areas FW_AREA $(sed -n 's/^if fw_area \([a-z0-9_]*\); then$/\1/p' "${BASH_SOURCE[0]}" | sort -u)
fw_area() { area "$1"; area_selected; }

# The servers, started once for every run (scripts/run-firmware.sh uses them).
# shellcheck source=SCRIPTDIR/../../scripts/test-servers.sh
source "$here/../../scripts/test-servers.sh" # its EXIT trap stops them
ts_at_exit "rm -rf '$work'"
setup_failed() { echo "not ok - set-up: $*"; echo "0 passed, 1 failed"; exit 2; }
"$here/../../scripts/make-pki.sh" "$pki" >/dev/null || setup_failed "make-pki.sh $pki"
ts_start_nginx "$pki" || setup_failed nginx
ts_start_dnsmasq DNS_PORT || setup_failed dnsmasq
ECHO_LOG=$TS_DIR/echo-requests.log
if [[ -n $post_elf ]]; then
  ts_start_echo ECHO_PORT "$pki" "$ECHO_LOG" || setup_failed "echo server"
else
  ECHO_PORT=0
fi
# Small records (WF_FW_SMALLREC_ELF...): a TLS 1.3 server that honours record_size_limit
# (gnutls-serv) and one that honours neither (openssl s_server), selectable like nginx's.
smallrec_elf=${WF_FW_SMALLREC_ELF:-} smallrec13_elf=${WF_FW_SMALLREC13_ELF:-}
small_smallrec_elf=${WF_FW_SMALL_SMALLREC_ELF:-}
if [[ -n $smallrec_elf$smallrec13_elf$small_smallrec_elf ]] && fw_area records; then
  ts_start_gnutls13 "NGINX_PORT[gnutls13]" "$pki" || setup_failed gnutls-serv
  ts_start_s_server13 "NGINX_PORT[s_server13]" "$pki" || setup_failed "openssl s_server"
fi
ts_share DNS_PORT ECHO_PORT ECHO_LOG
read -r board chip < <("$emu" --print-board "$elf") || { echo "not ok - $elf: no board to emulate"; exit 1; }
echo "# board $board, chip $chip"

# ---- stack and pool peaks of every run against reservation - margin ----
peak_why=()  # problems of the runs since the last verdict (verdict reports them)
declare -A peak_max=() # "stack <image>", "pool <image>": highest peak seen
declare -A images=()   # the images run
declare -A measured=() # the images with at least one stack measurement
nm_sym() { arm-none-eabi-nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }'; }
nm_size() { arm-none-eabi-nm -S "$1" | awk -v s="$2" '$4 == s { print $2; exit }'; }
note_peaks() { # note_peaks IMAGE: the peaks of the run in $work/out
  local img=$1 hi lo sm pm pool stack_peak pool_peak
  hi=$(nm_sym "$img" _estack) lo=$(nm_sym "$img" _sstack) sm=$(nm_sym "$img" wf_fw_stack_margin)
  pm=$(nm_sym "$img" wf_fw_pool_margin) pool=$(nm_size "$img" tls_pool)
  if [[ -z $hi || -z $lo || -z $sm || -z $pm || -z $pool ]]; then
    peak_why+=("$img has no _estack/_sstack/wf_fw_stack_margin/wf_fw_pool_margin/tls_pool symbols")
    return
  fi
  local stack_res=$((16#$hi - 16#$lo)) stack_margin=$((16#$sm)) pool_res=$((16#$pool)) pool_margin=$((16#$pm))
  stack_peak=$(sed -n 's/^peak stack: \([0-9]*\) of .*/\1/p' "$work/out" | tail -n 1)
  images[$img]=1
  if [[ -z $stack_peak ]]; then
    # A run the wall-clock limit cut short (a loaded machine) has no report; the
    # image's other runs are checked, and at least one must have been measured.
    echo "# $img: no 'peak stack' in the emulator's report (run cut short?): this run's stack is not checked"
  elif ((stack_peak > stack_res - stack_margin)); then
    peak_why+=("stack peak $stack_peak B > reservation $stack_res B - margin $stack_margin B: raise the stack (cmake/firmware.cmake)")
  fi
  # Absent when the run ended before an attempt did (a power cut): nothing to check then.
  pool_peak=$(sed -n 's/^mbedTLS pool high water \([0-9]*\) of .*/\1/p' "$work/out" | sort -n | tail -n 1)
  if [[ -n $pool_peak ]] && ((pool_peak > pool_res - pool_margin)); then
    peak_why+=("pool high water $pool_peak B > pool $pool_res B - margin $pool_margin B: raise the pool (cmake/firmware.cmake)")
  fi
  local k="stack $img (reserved $stack_res B, margin $stack_margin B)"
  ((${stack_peak:-0} > ${peak_max[$k]:-0})) && peak_max[$k]=$stack_peak
  [[ -n $stack_peak ]] && measured[$img]=1
  k="pool $img (reserved $pool_res B, margin $pool_margin B)"
  ((${pool_peak:-0} > ${peak_max[$k]:-0})) && peak_max[$k]=$pool_peak
  return 0
}

fw_verdict() { # fw_verdict NAME [WHY...]: also reports the peak problems of its runs
  local name=$1
  shift
  set -- "$@" "${peak_why[@]}"
  peak_why=()
  verdict "$name" "$@"
}
case_on_fail() { sed 's/^/#   /' "$work/out" | tail -n 15; } # harness hook

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

heap_peak() { sed -n 's/^mbedTLS heap peak \([0-9]*\) of .*/\1/p' "$work/out" | tail -n 1; }

fetch_case() { # fetch_case NAME SERVER TLS_VERSION_REGEX CHIP [EMULATOR OPTIONS...]; FW_ELF overrides the image
  local name=$1 server=$2 version=$3 chip=$4 why=()
  shift 4
  WF_EMU_SECONDS=60 WF_SAVE_PAGE="$work/served.html" "$run" "$emu" "${FW_ELF:-$elf}" "$pki" "$server" ${1+-- "$@"} \
    >"$work/out" 2>&1
  local rc=$?
  note_peaks "${FW_ELF:-$elf}"
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
  fw_verdict "$name" "${why[@]}"
}

if fw_area fetch; then
fetch_case "firmware in the emulator ($board): TLS 1.3 fetch (RSA chain) through a $chip" main 'TLSv1\.3' "$chip"
one_root_peak=$(heap_peak)
fetch_case "firmware in the emulator ($board): TLS 1.2 fetch (TLS 1.2-only server)" tls12 'TLSv1\.2' "$chip"

# A server that sends its intermediates out of order (leaf, upper, lower): the board
# puts them in issuing order before mbedTLS builds the path (src/tls/peer_check.c).
fetch_case "firmware in the emulator ($board): intermediates sent out of order -> fetched" chain2swap 'TLSv1\.3' "$chip"

# Key exchange (src/tls/tls.c: X25519 first, libsodium's ladder): nginx blocks that
# take one group only; their groups.log names the group chosen and the board's list.
for g in x25519:X25519 p256:prime256v1; do
  mark=$(wc -l <"$TS_DIR/nginx/groups.log" 2>/dev/null || echo 0)
  fetch_case "firmware in the emulator ($board): TLS 1.3, nginx with ${g%%:*} only -> fetched" "${g%%:*}" 'TLSv1\.3' "$chip"
  why=()
  tail -n +$((mark + 1)) "$TS_DIR/nginx/groups.log" | has "^[0-9]* ${g#*:} X25519:prime256v1:secp384r1 " ||
    why+=("groups.log: $(tail -n +$((mark + 1)) "$TS_DIR/nginx/groups.log" | tr '\n' '|')")
  fw_verdict "firmware in the emulator ($board): X25519 offered first, nginx with ${g%%:*} only chose ${g#*:}" "${why[@]}"
done

if [[ $board == nucleo_f411re ]]; then
  # The same image against the W5500 model: auto-detection must find it.
  fetch_case "firmware in the emulator ($board): TLS 1.3 fetch through a W5500" main 'TLSv1\.3' W5500 --chip w5500
fi

# Unknown CA: the firmware must say why and retry; the run ends at its time limit.
WF_EMU_SECONDS=8 "$run" "$emu" "$elf" "$pki" unknown >"$work/out" 2>&1
note_peaks "$elf"
why=()
grep -q 'fetch failed in tls: certificate not issued by a trusted CA' "$work/out" || why+=("no TLS error on the console")
grep -q 'retrying in 2000 ms' "$work/out" || why+=("no retry on the console")
[[ $(grep -c '^\[phase\] tls-handshake' "$work/out") -ge 2 ]] || why+=("the handshake was not retried")
grep -q 'violation' "$work/out" && why+=("chip-model violation")
fw_verdict "firmware in the emulator ($board): unknown CA -> error on the console, retry with backoff" "${why[@]}"
fi

# ---- client certificates (mutual TLS): the provisioned credentials sector ----
# nginx's "mtls" block requires a certificate from client-ca.pem and names what it saw
# in X-Client-Verify / X-Client-DN. The same image, with sector 3 from a file as
# `make provision` would write it (scripts/make-credentials.py).
if fw_area mtls; then
creds=$here/../../scripts/make-credentials.py
mtls_boot() { # mtls_boot [EMULATOR OPTIONS...]: one run against the mtls server
  WF_EMU_SECONDS=60 "$run" "$emu" "$elf" "$pki" mtls -- "$@" >"$work/out" 2>&1
  boot_rc=$?
  note_peaks "$elf"
}
why=()
if python3 "$creds" --cert "$pki/client-ecdsa.pem" --key "$pki/client-ecdsa.key" -o "$work/cred.bin" 2>"$work/out"; then
  mtls_boot --credentials-file "$work/cred.bin"
  tr -d '\r' <"$work/out" >"$work/console"
  ((boot_rc == 0)) || why+=("emulator exit $boot_rc")
  grep -q '^client certificate: credentials area, ' "$work/console" || why+=("no 'client certificate: credentials area' line")
  grep -qx 'X-Client-Verify: SUCCESS' "$work/console" || why+=("nginx did not verify the certificate")
  grep -qx 'X-Client-DN: CN=device-ecdsa-0001' "$work/console" || why+=("nginx did not see the device's DN")
  grep -q '^fetched .* HTTP 200' "$work/console" || why+=("no 'fetched ... HTTP 200'")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
else
  why+=("make-credentials.py failed")
fi
fw_verdict "firmware in the emulator ($board): provisioned ECDSA client certificate -> nginx SUCCESS and the DN, HTTP 200" "${why[@]}"

why=()
mtls_boot # sector 3 erased: nothing provisioned
tr -d '\r' <"$work/out" >"$work/console"
grep -q '^client certificate: none (credentials area empty' "$work/console" || why+=("no 'client certificate: none (... empty' line")
grep -q '^fetched .* HTTP 400' "$work/console" || why+=("no 'fetched ... HTTP 400'")
grep -qx 'X-Client-Verify: NONE' "$work/console" || why+=("nginx saw a certificate")
fw_verdict "firmware in the emulator ($board): no credentials -> empty Certificate, nginx 400" "${why[@]}"

why=()
cp "$work/cred.bin" "$work/cred-bad.bin"
printf '\x00' | dd of="$work/cred-bad.bin" bs=1 seek=100 conv=notrunc status=none # one byte of the certificate
mtls_boot --credentials-file "$work/cred-bad.bin"
tr -d '\r' <"$work/out" >"$work/console"
grep -q '^client certificate: none (credentials area invalid: contents do not match their SHA-256' "$work/console" ||
  why+=("the console does not say the area is invalid")
grep -q '^fetched .* HTTP 400' "$work/console" || why+=("no 'fetched ... HTTP 400'")
fw_verdict "firmware in the emulator ($board): damaged credentials area -> said on the console, nginx 400" "${why[@]}"
fi

# ---- the entropy seed across boots (one seed file = one board's sectors 1 and 2) ----
if fw_area seed; then
boot() { # boot SEEDFILE [EMULATOR OPTIONS...]: one run, console + report in $work/out, exit code in $boot_rc
  local file=$1
  shift
  WF_EMU_SECONDS=60 "$run" "$emu" "$elf" "$pki" main -- --seed-file "$file" "$@" >"$work/out" 2>&1
  boot_rc=$?
  note_peaks "$elf"
}
fetched() { grep -q 'stop: exit: firmware exit (bkpt #0xAB) with code 0' "$work/out" && grep -q '^fetched .* HTTP 200' "$work/out"; }
seed_at_end() { grep -q "^seed store at end: latest valid record seq $1 (64 bytes) in sector $2 slot $3\$" "$work/out"; }
programs() { grep -q "flash erases $1, programs $2;" "$work/out"; }

seed=$work/seed.bin # a fresh board
why=()
boot "$seed"
fetched || why+=("first boot did not fetch")
grep -q '^entropy seed: none stored (first boot)' "$work/out" || why+=("no first-boot seed line")
seed_at_end 1 1 0 || why+=("not exactly one record after the first boot")
programs 0 20 || why+=("first boot did not program exactly one 20-word record")
boot "$seed"
fetched || why+=("second boot did not fetch")
grep -q '^entropy seed: stored seed loaded' "$work/out" || why+=("second boot did not load the stored seed")
seed_at_end 2 1 1 && programs 0 20 || why+=("second boot did not write exactly one record")
fw_verdict "firmware in the emulator ($board): one seed record per boot" "${why[@]}"

why=()
boot "$seed" --power-cut-program 10 # the 10th of the record's 20 words, half programmed
((boot_rc == 0x74)) || why+=("the run was not cut (exit $boot_rc)")
grep -q 'power cut while programming flash at 0x0800[4-9a-b]' "$work/out" || why+=("no power cut in the seed sector")
seed_at_end 2 1 1 || why+=("the previous seed is not the latest valid record after the cut")
boot "$seed"
fetched || why+=("the boot after the cut did not fetch")
grep -q '^entropy seed: stored seed loaded' "$work/out" || why+=("the boot after the cut did not load the stored seed")
seed_at_end 3 1 3 || why+=("the torn slot 2 was not skipped (seq 3 expected in slot 3)")
fw_verdict "firmware in the emulator ($board): power cut while programming a seed record -> previous seed valid, next boot fetches" "${why[@]}"

# Sector 1 full (204 earlier boots): the update erases sector 2, and the cut lands in that erase.
why=()
seed=$work/seed-full.bin
boot "$seed" --seed-records 204 --power-cut-erase 1
((boot_rc == 0x74)) || why+=("the run was not cut (exit $boot_rc)")
grep -q 'power cut during the erase of sector 2' "$work/out" || why+=("no power cut in the erase of sector 2")
seed_at_end 204 1 203 || why+=("the previous seed is not the latest valid record after the cut")
boot "$seed"
fetched || why+=("the boot after the cut did not fetch")
grep -q '^entropy seed: stored seed loaded' "$work/out" || why+=("the boot after the cut did not load the stored seed")
seed_at_end 205 2 0 && programs 1 20 || why+=("sector 2 was not erased and its slot 0 written")
fw_verdict "firmware in the emulator ($board): power cut while erasing the other seed sector -> previous seed valid, next boot fetches" "${why[@]}"
fi

# The whole system root set in flash (plus the test root): the page, at about the
# heap of the one-root image (roots are parsed from flash only when a chain needs them).
if fw_area fetch; then
if [[ -n $elf_system_plus ]]; then
  FW_ELF=$elf_system_plus fetch_case "firmware with the system root set + test root: TLS 1.3 fetch" main 'TLSv1\.3' W5100
  peak=$(heap_peak) why=()
  grep -Eq '^trust anchors: [0-9]{3} \(in flash' "$work/out" || why+=("no 'trust anchors: NNN (in flash' line")
  grep -Eq '^trust: [0-9]+ look-ups, 1 roots parsed' "$work/out" || why+=("not exactly one root parsed from flash")
  if [[ -z $peak || -z $one_root_peak ]]; then
    why+=("no heap peak on the console")
  elif ((peak > one_root_peak + 2048)); then
    why+=("heap peak $peak B is more than 2 KiB above the one-root image's $one_root_peak B")
  fi
  echo "# mbedTLS heap peak: one root $one_root_peak B, system root set + test root ${peak:-?} B"
  fw_verdict "system root set: heap peak within 2 KiB of the one-root image" "${why[@]}"
fi
if [[ -n $elf_system ]]; then
  WF_EMU_SECONDS=8 "$run" "$emu" "$elf_system" "$pki" main >"$work/out" 2>&1
  note_peaks "$elf_system"
  why=()
  grep -q 'fetch failed in tls: certificate not issued by a trusted CA' "$work/out" || why+=("no certificate error on the console")
  grep -q 'retrying in 2000 ms' "$work/out" || why+=("no retry on the console")
  grep -q '^mbedTLS heap peak [0-9]* of' "$work/out" || why+=("no heap peak on the console")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
  echo "# mbedTLS heap peak, system root set alone (failed handshake): $(heap_peak) B"
  fw_verdict "firmware with the system root set only: certificate error, retry" "${why[@]}"
fi

if [[ -n $elf_pinned ]]; then
  FW_ELF=$elf_pinned fetch_case "firmware with WF_FW_PINNED_KEY (another key; the server's): fetch" main 'TLSv1\.3' W5100
fi
if [[ -n $elf_pinned_other ]]; then
  WF_EMU_SECONDS=8 "$run" "$emu" "$elf_pinned_other" "$pki" main >"$work/out" 2>&1
  note_peaks "$elf_pinned_other"
  why=()
  grep -q '^pinned server keys: 1' "$work/out" || why+=("no 'pinned server keys: 1' on the console")
  grep -q 'fetch failed in tls: SSL public key does not match pinned public key' "$work/out" ||
    why+=("no pinning error on the console")
  grep -q 'retrying in 2000 ms' "$work/out" || why+=("no retry on the console")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
  fw_verdict "firmware with WF_FW_PINNED_KEY of another key: refused, retry" "${why[@]}"
fi
fi

if fw_area variants; then

if [[ -n $post_elf ]]; then
  WF_EMU_SECONDS=60 WF_SAVE_ECHO_LOG="$work/echo.log" "$run" "$emu" "$post_elf" "$pki" echo >"$work/out" 2>&1
  rc=$?
  note_peaks "$post_elf"
  why=()
  ((rc == 0)) || why+=("emulator exit $rc")
  body='{"hello":"board"}'
  sha=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
  want="POST /echo/board | host=www.example.test | user-agent=wizfetch/0.1 | accept=*/* | content-type=application/json | content-length=17 | authorization=Bearer test-token | body=17 sha256=$sha"
  [[ $(cat "$work/echo.log" 2>/dev/null) == "$want" ]] || why+=("the server saw: $(cat "$work/echo.log" 2>/dev/null)")
  tr -d '\r' <"$work/out" >"$work/console"
  grep -qxF 'POST https://www.example.test/echo/board' "$work/console" || why+=("no request line on the console")
  grep -qxF '> body: {"hello":"board"}' "$work/console" || why+=("no body on the console")
  grep -qxF '> Authorization: (set, not shown)' "$work/console" || why+=("Authorization not (or fully) shown")
  grep -qxF "$want" "$work/console" || why+=("the server's answer is not on the console")
  grep -q 'fetched .* bytes, HTTP 200' "$work/console" || why+=("no 'fetched ... HTTP 200'")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
  fw_verdict "firmware in the emulator: POST JSON with header fields, the echo server's view and answer" "${why[@]}"
fi

# Telemetry (WF_FW_TELEMETRY_ELF=IMAGE, make firmware-emu-telemetry: a JSON report to
# /report every second, three in all). nginx's /report answers "<connection> <requests on
# it> <$ssl_session_reused>", which the console shows after each report line.
# telemetry_case NAME SERVER KIND1 KIND2 KIND3 CONNECTIONS REUSED: the console's "report N:
# HTTP 200, KINDN" lines, valid JSON reports, how many connections nginx saw, and its
# $ssl_session_reused for the three (e.g. ".rr").
telemetry_case() {
  local name=$1 server=$2 conns=$6 reused=$7 why=() n kind
  local kinds=("$3" "$4" "$5")
  WF_EMU_SECONDS=120 "$run" "$emu" "$telemetry_elf" "$pki" "$server" >"$work/out" 2>&1
  local rc=$?
  note_peaks "$telemetry_elf"
  ((rc == 0)) || why+=("emulator exit $rc")
  tr -d '\r' <"$work/out" >"$work/console"
  for n in 1 2 3; do
    kind=${kinds[n - 1]}
    grep -qxF "report $n: HTTP 200, $kind" "$work/console" || why+=("no 'report $n: HTTP 200, $kind'")
  done
  sed -n 's/^report [0-9]*: \({.*}\)$/\1/p' "$work/console" >"$work/reports"
  python3 -c 'import json, sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
assert len(lines) == 3, lines
for i, line in enumerate(lines):
    r = json.loads(line)
    assert r["fetches"] == i and r["reports"] == i, r
    assert r["last_error"] == "none" and r["uptime_s"] >= i, r' "$work/reports" 2>"$work/json.err" ||
    why+=("the reports are not three valid JSON documents: $(tail -n 1 "$work/json.err")")
  # nginx's answers: "<connection> <request number on it> <r|.>", one per report.
  grep -E '^[0-9]+ [0-9]+ [.r]$' "$work/console" >"$work/answers"
  [[ $(wc -l <"$work/answers") == 3 ]] || why+=("not three answers from nginx on the console")
  [[ $(cut -d' ' -f1 "$work/answers" | sort -u | wc -l) == "$conns" ]] ||
    why+=("nginx saw $(cut -d' ' -f1 "$work/answers" | sort -u | wc -l) connections, not $conns")
  [[ $(cut -d' ' -f3 "$work/answers" | tr -d '\n') == "$reused" ]] || why+=("nginx's session reuse is not $reused")
  grep -q '^3 reports answered of 3' "$work/console" || why+=("no '3 reports answered of 3'")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
  echo "# nginx's answers: $(tr '\n' '|' <"$work/answers")"
  fw_verdict "$name" "${why[@]}"
}
telemetry_elf=${WF_FW_TELEMETRY_ELF:-}
if [[ -n $telemetry_elf ]]; then
  telemetry_case "firmware telemetry ($board): three reports on one kept connection (nginx keep-alive on)" ka \
    "new connection, full handshake; kept open" "reused connection; kept open" "reused connection; kept open" 1 ...
  telemetry_case "firmware telemetry ($board): keep-alive off -> three connections, the 2nd and 3rd resume the TLS session" noka \
    "new connection, full handshake; closed" "new connection, TLS session resumed; closed" \
    "new connection, TLS session resumed; closed" 3 .rr
fi

if [[ -n $small_elf ]]; then
  FW_ELF=$small_elf fetch_case "firmware, small TLS profile: TLS 1.2 fetch" main 'TLSv1\.2' "$chip"
fi
fi

# ---- small records (WF_TLS_SMALL_RECORDS): a 4 KiB input record, negotiated ----
# Each image fetches /20k.bin (20000 bytes, counted): 16 KiB records unless the server
# honours max_fragment_length (nginx, TLS 1.2) or record_size_limit (gnutls-serv, TLS 1.3).
# rec_case NAME IMAGE SERVER TLS_VERSION_REGEX
rec_case() {
  local name=$1 img=$2 server=$3 version=$4 why=()
  WF_EMU_SECONDS=60 "$run" "$emu" "$img" "$pki" "$server" >"$work/out" 2>&1
  local rc=$?
  note_peaks "$img"
  ((rc == 0)) || why+=("emulator exit $rc")
  grep -q "tls: $version" "$work/out" || why+=("no '$version' on the console")
  grep -q '^fetched 20000 bytes, HTTP 200' "$work/out" || why+=("no 'fetched 20000 bytes, HTTP 200'")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
  fw_verdict "$name" "${why[@]}"
}
if fw_area records; then
if [[ -n $smallrec_elf ]]; then
  rec_case "small records (full profile): nginx TLS 1.2 honours max_fragment_length -> fetched" \
    "$smallrec_elf" tls12 'TLSv1\.2'
  rec_case "small records (full profile): gnutls-serv TLS 1.3, both extensions offered -> fetched" \
    "$smallrec_elf" gnutls13 'TLSv1\.3'
fi
if [[ -n $smallrec13_elf ]]; then
  rec_case "small records, TLS 1.3 only: gnutls-serv honours record_size_limit -> fetched" \
    "$smallrec13_elf" gnutls13 'TLSv1\.3'
  # A server that honours neither: the error and its cause on the console, then a retry.
  WF_EMU_SECONDS=8 "$run" "$emu" "$smallrec13_elf" "$pki" s_server13 >"$work/out" 2>&1
  note_peaks "$smallrec13_elf"
  why=()
  grep -q 'fetch failed in .*: TLS record too large for the input buffer: server ignores max_fragment_length/record_size_limit (needs a 16 KiB build)' "$work/out" ||
    why+=("no record-size error on the console")
  grep -q 'retrying in 2000 ms' "$work/out" || why+=("no retry on the console")
  grep -q 'violation' "$work/out" && why+=("chip-model violation")
  grep -m 1 'fetch failed in' "$work/out" | sed 's/^/# console: /'
  fw_verdict "small records, TLS 1.3 only: s_server honours neither -> cause on the console, retry" "${why[@]}"
fi
if [[ -n $small_smallrec_elf ]]; then
  rec_case "small records (small profile): nginx honours max_fragment_length -> fetched" \
    "$small_smallrec_elf" main 'TLSv1\.2'
fi
fi

# Superloop mode (WF_FW_SUPERLOOP_ELF=IMAGE, fw-emu-superloop: the GET polled in a loop
# with a 1 kHz job; WF_FW_SUPERLOOP_TELEMETRY_ELF=IMAGE, fw-emu-superloop-telemetry on the
# Black Pill: the GET of /active while two telemetry reports go to /report, each on its
# own socket and TLS context). The emulator measures the longest gap between two
# iterations of the loop (sim/emu/emu_loopgap.c): it must stay within LOOP_GAP_MAX
# instructions (docs/firmware.md, "Superloop mode": the longest handshake step measured,
# 12.99-13.13 M instructions, + 22 %). On a board with INTn wired (WAKEUP=1) the loop must have
# slept (the emulator's sleep count, the firmware's WFI count) and been woken by INTn.
LOOP_GAP_MAX=16000000
superloop_checks() { # superloop_checks IMAGE RC: the common checks of a superloop run into why[]
  local img=$1 rc=$2 gap iterations
  note_peaks "$img"
  ((rc == 0)) || why+=("emulator exit $rc")
  tr -d '\r' <"$work/out" >"$work/console"
  grep -q 'stop: exit: firmware exit (bkpt #0xAB) with code 0' "$work/console" || why+=("firmware did not report success")
  grep -q '^superloop: a 1 kHz job' "$work/console" || why+=("no superloop on the console")
  grep -Eq '^superloop: [0-9]+ iterations; 1 kHz job: [0-9]+ ticks run, [0-9]+ missed' "$work/console" ||
    why+=("no tick count on the console")
  gap=$(sed -n 's/^loop gap: longest \([0-9]*\) instructions .*/\1/p' "$work/console")
  iterations=$(sed -n 's/^loop gap: .* before iteration [0-9]* of \([0-9]*\) .*/\1/p' "$work/console")
  if [[ -z $gap ]]; then
    why+=("no 'loop gap' in the emulator's report")
  else
    echo "# $(grep '^loop gap:' "$work/console")"
    ((gap <= LOOP_GAP_MAX)) || why+=("longest loop gap $gap instructions > bound $LOOP_GAP_MAX")
    ((iterations >= 20)) || why+=("only $iterations iterations of the loop")
    python3 -c 'import json, sys
g = json.load(open(sys.argv[1]))["loop_gap"]
assert g["longest_instructions"] == int(sys.argv[2]) and g["iterations"] == int(sys.argv[3]), g' \
      "$work/report.json" "$gap" "$iterations" 2>/dev/null || why+=("--json has no matching loop_gap")
  fi
  grep -q 'violation' "$work/console" && why+=("chip-model violation")
  if grep -q '^wake-up: the chip.s INTn' "$work/console"; then
    local sleeps intn
    sleeps=$(sed -n 's/^sleep: [0-9]* cycles ([0-9.]* ms) in WFI\/WFE, \([0-9]*\) sleeps.*/\1/p' "$work/console")
    intn=$(sed -n 's/^wake-up: [0-9]* sleeps (WFI); interrupts: \([0-9]*\) INTn edges.*/\1/p' "$work/console")
    ((${sleeps:-0} > 0)) || why+=("the loop never slept (emulator: ${sleeps:-no} sleeps)")
    ((${intn:-0} > 0)) || why+=("INTn never fell (${intn:-no} INTn edges)")
    echo "# $(grep -E '^(sleep|wake-up): [0-9]' "$work/console" | tr '\n' ' ')"
  fi
  return 0
}
superloop_elf=${WF_FW_SUPERLOOP_ELF:-}
superloop_telemetry_elf=${WF_FW_SUPERLOOP_TELEMETRY_ELF:-}
if fw_area superloop; then
if [[ -n $superloop_elf ]]; then
  why=()
  WF_EMU_SECONDS=60 "$run" "$emu" "$superloop_elf" "$pki" main -- --json "$work/report.json" >"$work/out" 2>&1
  superloop_checks "$superloop_elf" $?
  grep -Eq '^fetched [0-9]+ bytes, HTTP 200' "$work/console" || why+=("no 'fetched ... HTTP 200'")
  fw_verdict "firmware superloop ($board): the GET polled beside a 1 kHz job, loop gap within $LOOP_GAP_MAX instructions" "${why[@]}"
fi
if [[ -n $superloop_telemetry_elf ]]; then
  why=()
  WF_EMU_SECONDS=60 "$run" "$emu" "$superloop_telemetry_elf" "$pki" ka -- --json "$work/report.json" >"$work/out" 2>&1
  superloop_checks "$superloop_telemetry_elf" $?
  grep -q '^fetched 4 bytes, HTTP 200' "$work/console" || why+=("no 'fetched 4 bytes, HTTP 200' (the GET of /active)")
  grep -q '^report 1: HTTP 200, new connection' "$work/console" || why+=("no 'report 1: HTTP 200, new connection'")
  grep -q '^report 2: HTTP 200, reused connection' "$work/console" || why+=("no 'report 2: HTTP 200, reused connection'")
  grep -q '^2 reports answered of 2' "$work/console" || why+=("no '2 reports answered of 2'")
  # The report started while the GET was under way, and nginx saw both connections open
  # at once: /active answers "<connection> <connections open>", /report "<connection> <n> <r|.>".
  grep -q '^report 1 (the GET in progress): {.*}$' "$work/console" || why+=("report 1 did not start while the GET ran")
  read -r get_conn active < <(sed -n 's/.*; GET body: \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$work/console")
  report_conn=$(sed -n 's/^report 1: HTTP 200, .*; server: \([0-9]*\) 1 .$/\1/p' "$work/console")
  ((${active:-0} >= 2)) || why+=("nginx had ${active:-no} connections open at the GET, not 2")
  [[ -n ${get_conn:-} && -n $report_conn && $get_conn != "$report_conn" ]] ||
    why+=("the GET (connection ${get_conn:-?}) and the report (${report_conn:-?}) did not use two connections")
  echo "# nginx: GET on connection ${get_conn:-?} with ${active:-?} open, reports on connection ${report_conn:-?}; $(grep '^mbedTLS pool high water' "$work/console")"
  fw_verdict "firmware superloop ($board): a GET and telemetry reports at once, two sockets and TLS contexts, nginx saw both open" "${why[@]}"
fi
fi

for img in "${!images[@]}"; do
  if [[ -n ${measured[$img]:-} ]]; then
    fw_verdict "stack of $img measured in at least one run"
  else
    fw_verdict "stack of $img measured in at least one run" "no run of it reported its stack peak"
  fi
done
for k in "${!peak_max[@]}"; do
  echo "# highest $k: ${peak_max[$k]} B"
done | sort
summary ""
