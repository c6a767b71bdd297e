#!/usr/bin/env bash
# make_credentials_mode.sh -- scripts/make-credentials.py writes the area image and
# the C source (both hold the unencrypted device key) readable by their owner only
# (mode 0600), whatever the umask, also over an existing file that was 0644.
set -uo pipefail
creds=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)/make-credentials.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# make_area WHAT FILE OPTION: run the script writing FILE, then require mode 600.
make_area() {
  local what=$1 file=$2 option=$3 mode
  python3 "$creds" --cert "$work/device.pem" --key "$work/device.key" "$option" "$file" 2>"$work/log"
  mode=$(stat -c %a "$file" 2>/dev/null)
  if [[ $mode == 600 ]]; then
    echo "ok - $what"
  else
    echo "not ok - $what: mode ${mode:-(no file)}"
    sed 's/^/#   /' "$work/log"
    status=1
  fi
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=device-test -days 1 \
  -keyout "$work/device.key" -out "$work/device.pem" >"$work/log" 2>&1 || { cat "$work/log"; exit 2; }

umask 022
make_area "area image (-o): mode 600 under umask 022" "$work/area.bin" -o
make_area "C source (--c-source): mode 600 under umask 022" "$work/area.c" --c-source
grep -q 'wf_fw_credentials_len' "$work/area.c" || { echo "not ok - the C source does not hold the area"; status=1; }
: >"$work/old.bin"
chmod 644 "$work/old.bin"
make_area "an existing 0644 file is narrowed to 600" "$work/old.bin" -o
[[ $(stat -c %s "$work/old.bin") == 16384 ]] || { echo "not ok - the narrowed file does not hold the 16 KiB area"; status=1; }
exit $status
