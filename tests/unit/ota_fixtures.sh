#!/usr/bin/env bash
# ota_fixtures.sh DIR -- the signed images test_ota_slot reads, made with scripts/ota-sign.py
# (a key made here, another key's public half, random payloads): good.bin (v5, slot B
# 0x08040000, board test_board), downgrade.bin (v3, --allow-downgrade), small.bin (v7, slot
# A 0x08010000); key.pub, other.pub (65-byte points).
set -euo pipefail
dir=$1
sign=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)/ota-sign.py
rm -rf "$dir"
mkdir -p "$dir"
python3 "$sign" keygen "$dir/key.pem"
python3 "$sign" keygen "$dir/other.pem"
python3 "$sign" pubkey "$dir/key.pem" "$dir/key.pub" --raw
python3 "$sign" pubkey "$dir/other.pem" "$dir/other.pub" --raw
head -c 100000 /dev/urandom >"$dir/payload-b"
head -c 50000 /dev/urandom >"$dir/payload-a"
python3 "$sign" sign --key "$dir/key.pem" --payload "$dir/payload-b" --slot 0x08040000 --version 5 \
  --board test_board -o "$dir/good.bin" >/dev/null
python3 "$sign" sign --key "$dir/key.pem" --payload "$dir/payload-b" --slot 0x08040000 --version 3 \
  --board test_board --allow-downgrade -o "$dir/downgrade.bin" >/dev/null
python3 "$sign" sign --key "$dir/key.pem" --payload "$dir/payload-a" --slot 0x08010000 --version 7 \
  --board test_board -o "$dir/small.bin" >/dev/null
