#!/usr/bin/env bash
# bench-fetch.sh BUILD_DIR [RUNS] -- measured figures of one fetch on the host, through
# the W5100 model, against nginx on loopback (a benchmark, not a test: it asserts nothing).
# For each server set-up it runs `wizfetch -v` RUNS times and prints the median TLS
# handshake time, the mbedTLS heap peak, and for the 1 MiB download the SPI bytes per
# payload byte. Use a build without sanitizers for timings:
#   cmake -S . -B build/rel -DCMAKE_BUILD_TYPE=Release -DWF_BUILD_TESTS=OFF && cmake --build build/rel
#   scripts/bench-fetch.sh build/rel 9
set -euo pipefail
build=$(cd "${1:-build/rel}" && pwd)
runs=${2:-9}
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wizfetch=$build/apps/wizfetch
[[ -x $wizfetch ]] || { echo "bench: $wizfetch not built" >&2; exit 1; }

# shellcheck source=SCRIPTDIR/test-servers.sh
source "$scripts/test-servers.sh"
pki=$build/pki
"$scripts/make-pki.sh" "$pki"
ts_start_nginx "$pki"

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# bench NAME SERVER PATH [wizfetch options...]
bench() {
  local name=$1 server=$2 path=$3
  shift 3
  local tls_ms=() heap=() spi=() body=0 i out
  for ((i = 0; i < runs; i++)); do
    out=$("$wizfetch" -v -o /dev/null --cacert "$pki/root.pem" --resolve www.example.test:443:10.0.0.1 \
      --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[$server]}" "$@" "https://www.example.test$path" 2>&1 >/dev/null)
    tls_ms+=("$(sed -n 's/.*timings (ms):.* tls \([0-9]*\),.*/\1/p' <<<"$out")")
    heap+=("$(sed -n 's/.*heap peak \([0-9]*\) bytes.*/\1/p' <<<"$out")")
    spi+=("$(sed -n 's/.*SPI [0-9]* frames, \([0-9]*\) bytes.*/\1/p' <<<"$out")")
    body=$(sed -n 's/.*\* body \([0-9]*\) bytes.*/\1/p' <<<"$out")
  done
  local t h s
  t=$(printf '%s\n' "${tls_ms[@]}" | median)
  h=$(printf '%s\n' "${heap[@]}" | median)
  s=$(printf '%s\n' "${spi[@]}" | median)
  printf '%-34s %10s %12s %14s %12s\n' "$name" "$t" "$h" "$body" \
    "$(awk -v s="$s" -v b="$body" 'BEGIN { if (b > 0) printf "%.3f", s / b; else print "-" }')"
}

echo "wizfetch fetch benchmark: $runs runs each, medians; binary $wizfetch"
printf '%-34s %10s %12s %14s %12s\n' "case" "tls ms" "heap peak B" "body bytes" "SPI B/byte"
bench "TLS 1.3, RSA-2048 chain, index" main /index.html
bench "TLS 1.2, RSA-2048 chain, index" main /index.html --tls-max 1.2
bench "TLS 1.3, ECDSA P-256 chain, index" tls13 /index.html
bench "TLS 1.3, RSA chain, 1 MiB body" main /big.bin
bench "TLS 1.3, RSA chain, 1 MiB chunked" main /chunked.bin
