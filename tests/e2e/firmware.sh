#!/usr/bin/env bash
# tests/e2e/firmware.sh EMULATOR FIRMWARE.elf PKI_DIR -- the firmware image in the
# emulator against real nginx and dnsmasq (scripts/run-firmware.sh): a TLS 1.3
# fetch and a TLS 1.2 fetch with the page checked byte for byte, a TLS 1.3 fetch
# through the W5500 model (--chip w5500), and an unknown
# CA, whose error and retry must show on the console. With WF_FW_POST_ELF=IMAGE (make
# firmware-emu-post: POST {"hello":"board"} with Content-Type and Authorization
# fields), that image against the echo server, whose view of the request must be
# exactly the one expected, and whose answer must be on the console. The emulator exits 0 only
# if the firmware signalled success and the chip model saw no violation.
# Prints "ok"/"not ok" lines and "N passed, M failed".
set -uo pipefail
emu=$1 elf=$2 pki=$3
post_elf=${WF_FW_POST_ELF:-} # the POST image (environment, so other images can take arguments)
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
  verdict "$name" "${why[@]}"
}

fetch_case "firmware in the emulator: TLS 1.3 fetch (RSA chain)" main 'TLSv1\.3' W5100
fetch_case "firmware in the emulator: TLS 1.2 fetch (TLS 1.2-only server)" tls12 'TLSv1\.2' W5100

# The same image against the W5500 model: auto-detection must find it.
fetch_case "firmware in the emulator: TLS 1.3 fetch through a W5500" main 'TLSv1\.3' W5500 --chip w5500

# Unknown CA: the firmware must say why and retry; the run ends at its time limit.
WF_EMU_SECONDS=8 "$run" "$emu" "$elf" "$pki" unknown >"$work/out" 2>&1
why=()
grep -q 'fetch failed in tls: certificate not issued by a trusted CA' "$work/out" || why+=("no TLS error on the console")
grep -q 'retrying in 2000 ms' "$work/out" || why+=("no retry on the console")
[[ $(grep -c '^\[phase\] tls-handshake' "$work/out") -ge 2 ]] || why+=("the handshake was not retried")
grep -q 'violation' "$work/out" && why+=("chip-model violation")
verdict "firmware in the emulator: unknown CA -> error on the console, retry with backoff" "${why[@]}"

if [[ -n $post_elf ]]; then
  WF_EMU_SECONDS=60 WF_SAVE_ECHO_LOG="$work/echo.log" "$run" "$emu" "$post_elf" "$pki" echo >"$work/out" 2>&1
  rc=$?
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
  verdict "firmware in the emulator: POST JSON with header fields, the echo server's view and answer" "${why[@]}"
fi

echo "$passed passed, $failed failed"
((failed == 0))
