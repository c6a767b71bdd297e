#!/usr/bin/env bash
# make_credentials_mode.sh -- scripts/make-credentials.py writes the area image and
# the C source (both hold the unencrypted device key) readable by their owner only
# (mode 0600), whatever the umask, also over an existing file that was 0644.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
creds=$here/../../scripts/make-credentials.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then echo "ok - $name"; passed=$((passed + 1)); else echo "not ok - $name"; sed 's/^/#   /' "$work/log"; failed=$((failed + 1)); fi
}
mode_is() { [[ -f $1 && $(stat -c %a "$1") == "$2" ]] || { echo "$1: mode $(stat -c %a "$1" 2>&1)" >>"$work/log"; false; }; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=device-test -days 1 \
  -keyout "$work/device.key" -out "$work/device.pem" >"$work/log" 2>&1 || { cat "$work/log"; exit 2; }

umask 022
python3 "$creds" --cert "$work/device.pem" --key "$work/device.key" -o "$work/area.bin" >"$work/log" 2>&1
check "area image (-o) is written with mode 600 under umask 022" mode_is "$work/area.bin" 600
python3 "$creds" --cert "$work/device.pem" --key "$work/device.key" --c-source "$work/area.c" >"$work/log" 2>&1
check "C source (--c-source) is written with mode 600 under umask 022" mode_is "$work/area.c" 600
check "the C source holds the area" grep -q 'wf_fw_credentials_len' "$work/area.c"

: >"$work/old.bin"
chmod 644 "$work/old.bin"
python3 "$creds" --cert "$work/device.pem" --key "$work/device.key" -o "$work/old.bin" >"$work/log" 2>&1
check "an existing 0644 file is narrowed to 600" mode_is "$work/old.bin" 600
check "and holds the 16 KiB area" bash -c "[[ \$(stat -c %s '$work/old.bin') == 16384 ]]"

echo "$passed passed, $failed failed"
((failed == 0))
