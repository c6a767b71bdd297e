#!/usr/bin/env bash
# scripts/measure-ota-tls.sh WF_OTA_FETCH [PIECE...] -- which TLS records nginx sends to
# a ranged image download, and whether a given build of wf-ota-fetch takes them.
#
# nginx (the test PKI's RSA chain) in six server blocks: TLS 1.2 and TLS 1.3, each
# with ssl_buffer_size 16k (nginx's default), 4k and 1k. Each is reached through
# scripts/tls-records.py, which logs the length of every TLS record nginx sends.
# For each block and each piece size (default: 0 1024 2048 4096 8192; 0 = the
# whole image in one request) the program downloads a 64 KiB image and one line
# is printed:
#   TLS1.3 buffer=16k piece=4096: ok|WF_E... largest record N (plaintext <= M), K records > 4096
# The largest record is the record's length field (ciphertext); the plaintext is
# at most that minus the AES-GCM overhead (24 bytes in TLS 1.2, 17 in TLS 1.3). An
# mbedTLS client needs MBEDTLS_SSL_IN_CONTENT_LEN >= the largest plaintext of any
# record, handshake records included, unless max_fragment_length is negotiated.
# Build wf-ota-fetch with another MBEDTLS_SSL_IN_CONTENT_LEN (src/tls/wf_mbedtls_config.h)
# to see what it takes.
set -uo pipefail
bin=$(realpath -e "${1:?usage: measure-ota-tls.sh WF_OTA_FETCH [PIECE...]}") || exit 2
shift
pieces=("$@")
((${#pieces[@]})) || pieces=(0 1024 2048 4096 8192)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/test-servers.sh
source "$repo/scripts/test-servers.sh"
pki=$repo/build/pki
"$repo/scripts/make-pki.sh" "$pki" >/dev/null || exit 2
pki=$(cd "$pki" && pwd)

ts_init
dir=$TS_DIR/nginx-tls-records
mkdir -p "$dir/img"
chmod 755 "$dir/img"
head -c 65536 /dev/urandom >"$dir/img/image.bin"
chmod 644 "$dir/img/image.bin"
blocks=(t12b16 t12b4 t12b1 t13b16 t13b4 t13b1)
records_servers() {
  local b proto buf
  echo "  access_log off; keepalive_timeout 5s;"
  for b in "${blocks[@]}"; do
    proto=TLSv1.2
    [[ $b == t13* ]] && proto=TLSv1.3
    buf=${b##*b}
    cat <<EOF
  server {
    listen 127.0.0.1:${PORT[$b]} ssl;
    server_name www.example.test;
    ssl_certificate $pki/rsa-chain.pem;
    ssl_certificate_key $pki/rsa.key;
    ssl_protocols $proto;
    ssl_buffer_size ${buf}k;
    root $dir/img;
  }
EOF
  done
}
declare -A PORT=() RELAY=()
ts_start_nginx_with PORT "$dir" records_servers "${blocks[@]}" || exit 2
ts_start_dnsmasq DNS_PORT || exit 2
log=$TS_DIR/records.log
for b in "${blocks[@]}"; do
  ts__launch "relay-$b" tcp "RELAY[$b]" "$TS_DIR/relay-$b.out" -- \
    python3 "$repo/scripts/tls-records.py" @PORT@ "${PORT[$b]}" "$log" || exit 2
done

for b in "${blocks[@]}"; do
  proto="TLS1.2" overhead=24
  [[ $b == t13* ]] && proto="TLS1.3" overhead=17
  for piece in "${pieces[@]}"; do
    : >"$log"
    timeout -k 5 60 "$bin" --cacert "$pki/root.pem" --dns 10.0.0.53 --map "10.0.0.53:53=127.0.0.1:$DNS_PORT" \
      --map "10.0.0.1:443=127.0.0.1:${RELAY[$b]}" --piece "$piece" https://www.example.test/image.bin \
      "$TS_DIR/out.bin" >/dev/null 2>"$TS_DIR/err"
    rc=$?
    sleep 0.2 # the relay logs the last records after the connection ends
    if ((rc == 0)) && cmp -s "$TS_DIR/out.bin" "$dir/img/image.bin"; then
      verdict=ok
    else
      verdict=$(sed -n 's/^wf-ota-fetch: \(WF_E[A-Z0-9_]*\):.*/\1/p' "$TS_DIR/err" | tail -n 1)
      verdict=${verdict:-"exit $rc"}
    fi
    max=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$log")
    big=$(awk '$3 > 4096 + 24 { n++ } END { print n + 0 }' "$log")
    sizes=$(awk '{ print $3 }' "$log" | sort -n | uniq -c | sort -k2,2nr | head -n 4 | awk '{ printf "%s%sx%s", s, $1, $2; s = " " }')
    printf '%s buffer=%sk piece=%s: %s; largest record %s (plaintext <= %s); %s records > 4096 B of plaintext; largest sizes (count x length): %s\n' \
      "$proto" "${b##*b}" "$piece" "$verdict" "$max" "$((max > overhead ? max - overhead : 0))" "$big" "$sizes"
  done
done
