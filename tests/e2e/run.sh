#!/usr/bin/env bash
# tests/e2e/run.sh WIZFETCH_BINARY -- end-to-end tests of the wizfetch command.
#
# The whole firmware stack (DNS, TCP through the modelled W5100, TLS, HTTP) against
# real servers on 127.0.0.1: nginx, dnsmasq, openssl s_server and socat (see
# scripts/test-servers.sh). In the firmware's virtual network the server is
# www.example.test = 10.0.0.1:443 and the DNS server 10.0.0.53:53; each case maps
# those to the loopback port of the server it needs.
#
# Prints one line per case, "ok - NAME" or "not ok - NAME: WHY" (followed by the
# last lines of wizfetch's stderr as "#" comments), then "N passed, M failed".
# Exit status: 0 if all passed, 1 if any failed, 2 if the set-up failed.
#
# Environment: WF_PKI_DIR  where the test PKI lives (default: BUILD/pki next to the
#                          binary's apps/ directory, else build/pki in the repo)
#              E2E_ONLY    run only the cases whose name matches this regex
#              E2E_AREA    run only the cases of one area (the `area` lines below:
#                          fetch, trust, failures, requests, mtls, options, transfer;
#                          ctest runs one test per area, tests/CMakeLists.txt)
#              E2E_BUDGET  seconds after which the remaining cases fail unrun (500;
#                          ctest's TIMEOUT is 600 and a killed run could not clean up)
#              WF_TLS_EDGE_SERVER  the mbedTLS test server (tests/e2e/tls_edge_server.c;
#                          default: BUILD/tests/wf-tls-edge-server next to the binary)
#              TS_KEEP=1   keep the servers' temp dir (logs, outputs) for debugging
# Servers, temp files and every process started here are stopped on exit, also on
# Ctrl-C; every wizfetch run is bounded with `timeout`.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/harness.sh
source "$here/harness.sh" # begin, fail, end, summary, area selection
# shellcheck disable=SC2046
harness_areas E2E_AREA $(sed -n 's/^area \([a-z0-9_]*\)$/\1/p' "${BASH_SOURCE[0]}")

# --- set-up: PKI and servers -------------------------------------------------------

# shellcheck source=SCRIPTDIR/wizfetch_setup.sh
source "$here/wizfetch_setup.sh" "$@" # bin, repo, pki, setup_failed; scripts/test-servers.sh

ts_init
ts_start_nginx "$pki" || setup_failed nginx
ts_start_dnsmasq DNS_PORT || setup_failed dnsmasq
ts_start_silent_dns SILENT_DNS_PORT || setup_failed "silent DNS"
ts_start_tls10 TLS10_PORT "$pki" || setup_failed "TLS 1.0 s_server"
ts_start_tls13_group SS_X25519_PORT "$pki" X25519 || setup_failed "X25519-only s_server"
ts_start_tls13_group SS_P256_PORT "$pki" P-256 || setup_failed "P-256-only s_server"
ts_start_partial PARTIAL_PORT "$pki" || setup_failed "partial-body server"
ts_start_empty EMPTY_PORT "$pki" || setup_failed "empty-reply server"
ts_start_mute MUTE_PORT || setup_failed "mute server"
ts_start_tls_close TLSCLOSE_PORT "$pki" || setup_failed "TLS close server"
edge_bin=${WF_TLS_EDGE_SERVER:-$(dirname "$(dirname "$bin")")/tests/wf-tls-edge-server}
ts_start_tls_edge TLSEDGE_PORT "$pki" "$edge_bin" || setup_failed "mbedTLS edge server ($edge_bin)"
ts_free_port REFUSED_PORT || setup_failed "free port"
# A TLS server that sends part of a body, then neither sends nor closes (socat -t 30:
# it does not close for 30 s after the client's close either).
{
  ts__write_read_request
  cat <<'EOF'
printf 'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'
head -c 1000 /dev/zero
sleep 20
EOF
} >"$TS_DIR/stall.sh"
ts__launch stall tcp STALL_PORT "$TS_DIR/stall.log" -- \
  socat -t 30 "OPENSSL-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork,cert=$pki/rsa-chain.pem,key=$pki/rsa.key,verify=0" \
  "SYSTEM:exec bash $TS_DIR/stall.sh" || setup_failed "stalling server"
# dnsmasq answers a local alias whose target it does not hold with the CNAME alone
# (--cname): www.example.test -> edge.cdn.test, whose address a second dnsmasq holds
# (the first forwards to it). The resolver must ask again for edge.cdn.test.
ts__launch cdn-dns udp CDN_DNS_PORT "$TS_DIR/cdn-dns.log" -- \
  dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
  --bind-interfaces --listen-address=127.0.0.1 --port=@PORT@ \
  --host-record=edge.cdn.test,10.0.0.1 --local=/cdn.test/ \
  --user="$(id -un)" --group="$(id -gn)" --pid-file="$TS_DIR/cdn-dns-@PORT@.pid" \
  --log-queries --log-facility=- || setup_failed "dnsmasq (cdn.test)"
ts__launch alias-dns udp ALIAS_DNS_PORT "$TS_DIR/alias-dns.log" -- \
  dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
  --bind-interfaces --listen-address=127.0.0.1 --port=@PORT@ \
  --cname=www.example.test,edge.cdn.test --local=/example.test/ --server="/cdn.test/127.0.0.1#$CDN_DNS_PORT" \
  --user="$(id -un)" --group="$(id -gn)" --pid-file="$TS_DIR/alias-dns-@PORT@.pid" \
  --log-queries --log-facility=- || setup_failed "dnsmasq (--cname)"
echo_log=$TS_DIR/echo-requests.log
ts_start_echo ECHO_PORT "$pki" "$echo_log" || setup_failed "echo server"
for ((i = 0; i < 50; i++)); do [[ -s $echo_log.port2 ]] && break; sleep 0.1; done
ECHO_PORT2=$(cat "$echo_log.port2" 2>/dev/null) || setup_failed "echo server's second port"
ECHO_HTTP_PORT=$(cat "$echo_log.port-http" 2>/dev/null) || setup_failed "echo server's http port"

ka_log=$TS_DIR/keepalive-requests.log
ka_tls_log=$TS_DIR/keepalive-tls-requests.log
ts_start_keepalive KA_PORT "$ka_log" || setup_failed "keep-alive server"
ts_start_keepalive KA_TLS_PORT "$ka_tls_log" "$pki" || setup_failed "keep-alive server (TLS)"

work=$TS_DIR/cases
mkdir -p "$work"
docroot=$TS_DOCROOT
access_log=$TS_DIR/nginx/access.log
URL=https://www.example.test

# Argument sets: trust root.pem only (the servers send leaf + intermediate), resolve
# through dnsmasq, and map 10.0.0.1:443 to the loopback port of one server.
DNS=(--dns 10.0.0.53 --map "10.0.0.53:53=127.0.0.1:$DNS_PORT")
net() { # net ARRAY PORT
  local -n _a=$1
  _a=(--cacert "$pki/root.pem" "${DNS[@]}" --map "10.0.0.1:443=127.0.0.1:$2")
}
net MAIN "${NGINX_PORT[main]}"
net TLS13 "${NGINX_PORT[tls13]}"
net TLS12 "${NGINX_PORT[tls12]}"
net EXPIRED "${NGINX_PORT[expired]}"
net FUTURE "${NGINX_PORT[future]}"
net WRONGNAME "${NGINX_PORT[wrongname]}"
net SELFSIGNED "${NGINX_PORT[selfsigned]}"
net UNKNOWN "${NGINX_PORT[unknown]}"
net TLS10 "$TLS10_PORT"
net SS_X25519 "$SS_X25519_PORT"
net SS_P256 "$SS_P256_PORT"
net NGX_X25519 "${NGINX_PORT[x25519]}"
net NGX_P256 "${NGINX_PORT[p256]}"
net PARTIAL "$PARTIAL_PORT"
net EMPTY "$EMPTY_PORT"
net MUTE "$MUTE_PORT"
net TLSCLOSE "$TLSCLOSE_PORT"
net TLSEDGE "$TLSEDGE_PORT"
net REFUSED "$REFUSED_PORT"
net STALL "$STALL_PORT"
net ECHO "$ECHO_PORT"
ECHO+=(--map "10.0.0.1:$ECHO_PORT2=127.0.0.1:$ECHO_PORT2") # the echo server's second port

index_size=$(stat -c %s "$docroot/index.html")
close_body=$work/close-body.txt # what tls_close_server.py sends as its body
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import tls_close_server as t; sys.stdout.buffer.write(t.BODY)' \
  "$here" >"$close_body" || setup_failed "tls_close_server.py BODY"
big_size=$(stat -c %s "$docroot/big.bin")
big_sha=$(sha256sum <"$docroot/big.bin" | cut -d' ' -f1)

# --- the cases' checks --------------------------------------------------------------
#
# The case harness is tests/e2e/harness.sh (area, begin, fail, end, summary); here:
#   run [--within S] -- ARGS...      run wizfetch ARGS (stdout $OUT, stderr $ERR, exit $RC)
#   check_rc CODE                    exit code
#   check_msg REGEX                  a line "wizfetch: ...REGEX..." on stderr
#   check_stderr REGEX / check_no_stderr   stderr matches (case-insensitive) / is empty
#   check_stdout_is FILE             stdout byte-identical to FILE
#   check_sha FILE SHA256            FILE exists and has that sha256
#   check_log REGEX [COUNT]          nginx access-log lines of this case matching REGEX
#                                    (at least one, or exactly COUNT)
#   check_time MAX                   the run took at most MAX seconds
#   expect_exit CODE NAME [REGEX] -- ARGS...   begin, run, check_rc, check_msg, end

ncase=0
budget=${E2E_BUDGET:-500}

case_on_begin() { # harness hook: the case's files and log mark; the time budget
  ncase=$((ncase + 1))
  if ((SECONDS > budget)); then # stay inside ctest's TIMEOUT so the traps still run
    not_run "the run exceeded E2E_BUDGET=${budget} s"
    return 0
  fi
  OUT=$work/$ncase.out
  ERR=$work/$ncase.err
  LOG_MARK=0
  [[ -f $access_log ]] && LOG_MARK=$(wc -l <"$access_log")
}

run() {
  ((SKIP)) && return 0
  local within=30
  if [[ $1 == --within ]]; then within=$2; shift 2; fi
  [[ $1 == -- ]] && shift
  local t0 t1
  t0=$(date +%s%N)
  timeout --foreground -k 5 "$within" "$bin" "$@" <"${RUN_STDIN:-/dev/null}" >"$OUT" 2>"$ERR"
  RC=$?
  t1=$(date +%s%N)
  ELAPSED_MS=$(((t1 - t0) / 1000000))
  if ((RC == 124 || RC == 137)); then
    fail "did not finish within ${within} s (killed by timeout)"
  fi
  # Every case, whatever its exit code, must leave the chip model without a violation.
  if grep -q "chip-model violation" "$ERR"; then
    fail "the W5100 model recorded violations (driver bug)"
  fi
}

check_rc() {
  ((SKIP)) && return 0
  ((RC == 124 || RC == 137)) && return 0
  [[ $RC == "$1" ]] || fail "exit code $RC, expected $1"
}

check_msg() {
  ((SKIP)) && return 0
  grep -Eq "^wizfetch: .*($1)" "$ERR" || fail "no line 'wizfetch: ...$1...' on stderr"
}

check_stderr() {
  ((SKIP)) && return 0
  grep -Eiq -- "$1" "$ERR" || fail "stderr does not match /$1/"
}

check_no_stderr() {
  ((SKIP)) && return 0
  [[ ! -s $ERR ]] || fail "stderr is not empty"
}

check_stdout_is() {
  ((SKIP)) && return 0
  cmp -s "$OUT" "$1" ||
    fail "stdout ($(stat -c %s "$OUT") bytes) differs from $(basename "$1") ($(stat -c %s "$1") bytes)"
}

check_sha() {
  ((SKIP)) && return 0
  if [[ ! -f $1 ]]; then fail "$(basename "$1") was not written"; return 0; fi
  local sha
  sha=$(sha256sum <"$1" | cut -d' ' -f1)
  [[ $sha == "$2" ]] || fail "$(basename "$1"): $(stat -c %s "$1") bytes, sha256 differs from the served file"
}

# The access-log lines of this case (nginx logs when it has sent the response; wait
# up to 2 s for the line to appear).
case_log() {
  local i
  for ((i = 0; i < 20; i++)); do
    if [[ -f $access_log ]] && (($(wc -l <"$access_log") > LOG_MARK)); then break; fi
    sleep 0.1
  done
  [[ -f $access_log ]] && tail -n +$((LOG_MARK + 1)) "$access_log"
}

check_log() {
  ((SKIP)) && return 0
  local n
  n=$(case_log | grep -Ec -- "$1")
  if [[ -n ${2:-} ]]; then
    ((n == $2)) || fail "server log: $n requests matching /$1/, expected $2"
  else
    ((n >= 1)) || fail "server log: no request matching /$1/ (got: $(case_log | tr '\n' '|'))"
  fi
}

check_time() {
  ((SKIP)) && return 0
  ((ELAPSED_MS <= $1 * 1000)) || fail "took $((ELAPSED_MS / 1000)).$(((ELAPSED_MS % 1000) / 100)) s, limit $1 s"
}

# harness hooks: each verdict says how long wizfetch ran; a failure shows its stderr.
case_on_fail() {
  if [[ -s $ERR ]]; then
    tail -n 6 "$ERR" | cut -c1-200 | sed 's/^/#   stderr: /'
  fi
}
end() {
  ((SKIP)) && return 0
  CASE_NOTE=" ($((ELAPSED_MS / 1000)).$(((ELAPSED_MS % 1000) / 100))s)"
  verdict "$CASE" "${WHY[@]}"
}

expect_exit() { # expect_exit CODE NAME [REGEX] -- ARGS...
  local code=$1 name=$2 re=""
  shift 2
  if [[ $1 != -- ]]; then re=$1; shift; fi
  shift # --
  begin "$name"
  run -- "$@"
  check_rc "$code"
  [[ -n $re ]] && check_msg "$re"
  end
}

# --- the cases --------------------------------------------------------------------

echo "# wizfetch: $bin"
echo "# servers: nginx ${NGINX_PORT[main]} (main), dnsmasq $DNS_PORT, pki $pki"

area fetch
# Successful fetches: protocol versions and certificate types. The nginx access log
# tells which TLS version the server really negotiated.
begin "TLS 1.3 fetch (RSA leaf + intermediate, DNS via dnsmasq)"
run -- --tlsv1.3 "${MAIN[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_log '^[0-9]+ TLSv1.3 [^ ]+ sni=www.example.test "GET / HTTP/1.1" 200'
end

begin "TLS 1.3-only server with an ECDSA P-256 certificate"
run -- "${TLS13[@]}" "$URL/index.html"
check_rc 0; check_stdout_is "$docroot/index.html"; check_log '^[0-9]+ TLSv1.3 .*"GET /index.html HTTP/1.1" 200'
end

# Key exchange: X25519 is offered first, with its key share (src/tls/tls.c; libsodium's
# ladder, src/tls/x25519_sodium.h). openssl s_server -www lists the client's groups in
# its order and the shared ones; its -msg log counts ClientHellos: one means no
# HelloRetryRequest. nginx's groups.log names the group it chose.
hellos() { grep -c 'ClientHello' "$TS_DIR/tls13-$1.log"; }
key_exchange_case() { # key_exchange_case NAME GROUP HELLOS SHARED ARGS...
  local name=$1 group=$2 want=$3 shared=$4 h0
  shift 4
  begin "$name"
  ((SKIP)) && { end; return; }
  h0=$(hellos "$group")
  run -- "$@" "$URL/"
  check_rc 0
  grep -q 'Supported groups: x25519:secp256r1:secp384r1$' "$OUT" || fail "client's groups not x25519, P-256, P-384 in that order"
  grep -q "Shared groups: $shared\$" "$OUT" || fail "shared groups not '$shared'"
  grep -Eq 'Protocol +: TLSv1\.3' "$OUT" || fail "not TLS 1.3"
  (($(hellos "$group") == h0 + want)) || fail "$(($(hellos "$group") - h0)) ClientHellos, expected $want"
  end
}
key_exchange_case "TLS 1.3, s_server with X25519 only: X25519 key share first, no HelloRetryRequest" \
  X25519 1 x25519 "${SS_X25519[@]}"
key_exchange_case "TLS 1.3, s_server with P-256 only: HelloRetryRequest, then P-256" \
  P-256 2 secp256r1 "${SS_P256[@]}"
for g in x25519:X25519 p256:prime256v1; do
  begin "TLS 1.3, nginx with ${g%%:*} only (ssl_ecdh_curve): fetched, the server chose ${g#*:}"
  ((SKIP)) && { end; continue; }
  mark=$(wc -l <"$TS_DIR/nginx/groups.log" 2>/dev/null || echo 0)
  [[ ${g%%:*} == x25519 ]] && run -- "${NGX_X25519[@]}" "$URL/" || run -- "${NGX_P256[@]}" "$URL/"
  check_rc 0; check_stdout_is "$docroot/index.html"
  sleep 0.2
  tail -n +$((mark + 1)) "$TS_DIR/nginx/groups.log" | has "^[0-9]* ${g#*:} X25519:prime256v1:secp384r1 \"GET / HTTP/1.1\" 200" ||
    fail "groups.log: $(tail -n +$((mark + 1)) "$TS_DIR/nginx/groups.log" | tr '\n' '|')"
  end
done

begin "TLS 1.2-only server"
run -- --tlsv1.2 "${TLS12[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_log '^[0-9]+ TLSv1.2 .*"GET / HTTP/1.1" 200'
end

begin "--tls-max 1.2 against a TLS 1.2+1.3 server negotiates TLS 1.2"
run -- --tls-max 1.2 "${MAIN[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_log '^[0-9]+ TLSv1.2 .*"GET / HTTP/1.1" 200'
end

expect_exit 35 "--tlsv1.3 against a TLS 1.2-only server -> 35" "TLS handshake failed|TLS alert" -- \
  --tlsv1.3 "${TLS12[@]}" "$URL/"
expect_exit 35 "--tls-max 1.2 against a TLS 1.3-only server -> 35" "TLS handshake failed|TLS alert" -- \
  --tls-max 1.2 "${TLS13[@]}" "$URL/"

begin "certificate summary (subject, issuer) printed on stderr"
run -- "${MAIN[@]}" "$URL/"
check_rc 0; check_stderr 'CN=www\.example\.test'; check_stderr 'wizfetch Test Intermediate CA'
end

begin "--resolve instead of DNS"
run -- --cacert "$pki/root.pem" --resolve www.example.test:443:10.0.0.1 \
  --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
end

begin "--dns IP:PORT (DNS server on a non-standard port)"
run -- --cacert "$pki/root.pem" --dns 10.0.0.53:5353 --map "10.0.0.53:5353=127.0.0.1:$DNS_PORT" \
  --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
end

begin "-s: silent on success"
run -- -s "${MAIN[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_no_stderr
end

begin "-i: headers then body on stdout"
run -- -s -i "${MAIN[@]}" "$URL/"
check_rc 0
if ((!SKIP)); then
  head -n 1 "$OUT" | has -E '^HTTP/1\.[01] 200' || fail "stdout does not start with the status line"
  grep -aiq "^content-length: $index_size" "$OUT" || fail "no Content-Length: $index_size header on stdout"
  tail -c "$index_size" "$OUT" | cmp -s - "$docroot/index.html" || fail "stdout does not end with the page"
fi
end

# Bodies >= 1 MiB, byte-exact.
begin "Content-Length body, 1 MiB, byte-exact (-o)"
run --within 90 -- -o "$work/big.out" "${MAIN[@]}" "$URL/big.bin"
check_rc 0; check_sha "$work/big.out" "$big_sha"; check_log "\"GET /big.bin HTTP/1.1\" 200 $big_size\$"
end

begin "W5500 (modelled): TLS 1.3, 1 MiB body byte-exact"
run --within 90 -- --chip w5500 -v -o "$work/w5500.out" "${MAIN[@]}" "$URL/big.bin"
check_rc 0; check_sha "$work/w5500.out" "$big_sha"
check_stderr 'chip: W5500 up'
end

begin "--chip auto finds the modelled W5500 and the modelled W5100"
run --within 60 -- --chip auto --model w5500 -v "${MAIN[@]}" "$URL/"
check_rc 0; check_stderr 'chip: W5500 up'
run --within 60 -- --chip auto --model w5100 -v "${MAIN[@]}" "$URL/"
check_rc 0; check_stderr 'chip: W5100 up'
end

begin "--option=value forms and abbreviations (--model=w5500, --chip=auto, --mod w5500)"
run --within 60 -- --chip=auto --model=w5500 -v "${MAIN[@]}" "$URL/"
check_rc 0; check_stderr 'chip: W5500 up'
run --within 60 -- --mod w5500 --chip=w5500 -v "${MAIN[@]}" "$URL/"
check_rc 0; check_stderr 'chip: W5500 up'
end

expect_exit 2 "--model bogus -> 2" "bad --model" -- --model bogus "${MAIN[@]}" "$URL/"
expect_exit 2 "--map=bogus -> 2" "bad --map rule" -- --map=bogus "${MAIN[@]}" "$URL/"

begin "chunked body, 1 MiB, byte-exact (-o)"
run --within 90 -- -o "$work/chunked.out" "${MAIN[@]}" "$URL/chunked.bin"
check_rc 0; check_sha "$work/chunked.out" "$big_sha"
check_stderr 'transfer-encoding: *chunked' # the headers printed on stderr
check_log '"GET /chunked.bin HTTP/1.1" 200' # HTTP/1.1 and no Content-Length: nginx chunks
end

begin "Content-Length body, 1 MiB, byte-exact to stdout"
run --within 90 -- -s "${TLS13[@]}" "$URL/big.bin"
check_rc 0; check_stdout_is "$docroot/big.bin"
end

# Redirects.
begin "redirect with -L (absolute Location)"
run -- -L "${MAIN[@]}" "$URL/old"
check_rc 0; check_stdout_is "$docroot/index.html"; check_log '"GET /old HTTP/1.1" 301'
check_log '"GET /index.html HTTP/1.1" 200'
end

begin "redirect with -L (relative Location)"
run -- -L "${MAIN[@]}" "$URL/rel"
check_rc 0; check_stdout_is "$docroot/index.html"; check_log '"GET /index.html HTTP/1.1" 200'
end

begin "redirect without -L is not followed"
run -- "${MAIN[@]}" "$URL/old"
check_rc 0; check_log '"GET /old HTTP/1.1" 301' 1; check_log '"GET /index.html ' 0
end

begin "redirect loop with --max-redirs 3 -> 47"
run -- -L --max-redirs 3 "${MAIN[@]}" "$URL/loop"
check_rc 47; check_msg "too many redirects"
check_log '"GET /loop HTTP/1.1" 301' 4 # the first request and 3 redirects followed (as curl)
end

# HEAD and status codes.
begin "HEAD (-I): headers, no body"
run -- -I "${MAIN[@]}" "$URL/"
check_rc 0; check_log '"HEAD / HTTP/1.1" 200'
if ((!SKIP)); then
  cat "$OUT" "$ERR" | has -E 'HTTP/1\.[01] 200' || fail "no status line printed"
  cat "$OUT" "$ERR" | has -Ei "content-length: *$index_size" || fail "no Content-Length: $index_size printed"
  ! grep -q 'Hello from nginx' "$OUT" "$ERR" || fail "the body was printed"
fi
end

begin "404 without -f -> 0"
run -- "${MAIN[@]}" "$URL/missing.html"
check_rc 0; check_log '"GET /missing.html HTTP/1.1" 404'
end

expect_exit 22 "404 with -f -> 22" "HTTP error status|404" -- -f "${MAIN[@]}" "$URL/missing.html"

# Certificate failures: each 60 with its own message.
expect_exit 60 "wrong host name -> 60" "certificate does not match the host name" -- "${WRONGNAME[@]}" "$URL/"
expect_exit 60 "expired certificate -> 60" "certificate has expired" -- "${EXPIRED[@]}" "$URL/"
expect_exit 60 "not yet valid certificate -> 60" "certificate is not yet valid" -- "${FUTURE[@]}" "$URL/"
expect_exit 60 "self-signed certificate -> 60" "certificate not issued by a trusted CA" -- "${SELFSIGNED[@]}" "$URL/"
expect_exit 60 "certificate from an unknown CA -> 60" "certificate not issued by a trusted CA" -- "${UNKNOWN[@]}" "$URL/"

begin "-k accepts the self-signed certificate"
run -- -k "${SELFSIGNED[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
end

# Path validation beyond mbedTLS's own checks (docs/security.md): each case runs curl
# (the reference) on the same server and certificate and compares the exit code.
# curl_rc NGINX_BLOCK URL_HOST [CURL ARGS...]: curl's exit code fetching https://URL_HOST:PORT/
# from that nginx block (a DNS name is pinned to 127.0.0.1 with --resolve).
curl_rc() {
  local port=${NGINX_PORT[$1]} host=$2
  shift 2
  local r=()
  [[ $host =~ ^[0-9.]+$ ]] || r=(--resolve "$host:$port:127.0.0.1")
  timeout 30 curl -sS -o /dev/null --cacert "$pki/root.pem" "${r[@]}" "$@" "https://$host:$port/" \
    2>"$work/$ncase.curl.err"
}
# same_rc_as_curl BLOCK URL_HOST [CURL ARGS...]: curl must end as wizfetch did.
same_rc_as_curl() {
  ((SKIP)) && return 0
  curl_rc "$@"
  local crc=$?
  ((crc == RC)) || fail "exit code $RC, curl's $crc ($(head -c 200 "$work/$ncase.curl.err"))"
}
to() { # to BLOCK: the --map rule that sends 10.0.0.1:443 to that nginx block
  printf '10.0.0.1:443=127.0.0.1:%s' "${NGINX_PORT[$1]}"
}

begin "IP URL, certificate with the IP as an iPAddress entry -> 0, no IP sent as SNI (as curl)"
run -- --cacert "$pki/root.pem" --map "$(to ip)" "https://10.0.0.1/"
check_rc 0; check_stdout_is "$docroot/index.html"; same_rc_as_curl ip 127.0.0.1
check_log ' sni=- "GET / HTTP/1.1" 200' 2 # RFC 6066: a literal IP is never a server name (the 2nd line: curl's)
end

begin "IP URL, certificate with the IP only as a dNSName -> 60 (as curl)"
run -- --cacert "$pki/root.pem" --map "$(to ipdns)" "https://10.0.0.1/"
check_rc 60; check_msg "certificate does not match the host name"; same_rc_as_curl ipdns 127.0.0.1
end

begin "DNS URL against a certificate with only iPAddress entries -> 60"
run -- "${DNS[@]}" --cacert "$pki/root.pem" --map "$(to ip)" "$URL/"
check_rc 60; check_msg "certificate does not match the host name"
end

begin "wildcard for a whole TLD (*.test) does not name example.test -> 60 (as curl)"
run -- --cacert "$pki/root.pem" --resolve example.test:443:10.0.0.1 --map "$(to wildtld)" "https://example.test/"
check_rc 60; check_msg "certificate does not match the host name"; same_rc_as_curl wildtld example.test
end

# Here wizfetch differs from curl on purpose: curl 7.88 with OpenSSL 3.0 (and `openssl verify
# -purpose sslserver`) accept a CA certificate as the server's; browsers (mozilla::pkix:
# CA_CERT_USED_AS_END_ENTITY, Chrome) refuse it, and so does wizfetch. curl's verdict is
# printed, not compared.
begin "a CA certificate (CA:TRUE, keyCertSign) as the server's leaf -> 60 (curl: 0, browsers refuse)"
run -- "${DNS[@]}" --cacert "$pki/root.pem" --map "$(to caleaf)" "$URL/"
check_rc 60; check_msg "server certificate is a CA certificate"
((SKIP)) || { curl_rc caleaf www.example.test; echo "# curl on the CA-as-leaf server: exit $?"; }
end

begin "leaf signed with DSA (unparsable here), TLS 1.3 and TLS 1.2 -> 60 (as curl)"
run -- "${DNS[@]}" --cacert "$pki/root.pem" --map "$(to dsa)" "$URL/"
check_rc 60; check_msg "server certificate unreadable"; same_rc_as_curl dsa www.example.test
run -- "${DNS[@]}" --cacert "$pki/root.pem" --map "$(to dsa12)" "$URL/"
check_rc 60; check_msg "server certificate unreadable"; same_rc_as_curl dsa12 www.example.test
end

begin "two intermediates in issuing order -> 0 (as curl)"
run -- "${DNS[@]}" --cacert "$pki/root.pem" --map "$(to chain2)" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; same_rc_as_curl chain2 www.example.test
end

begin "two intermediates out of order (leaf, upper, lower), TLS 1.3 and 1.2 -> 0 (as curl)"
run -- "${DNS[@]}" --cacert "$pki/root.pem" --map "$(to chain2swap)" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; same_rc_as_curl chain2swap www.example.test
run -- "${DNS[@]}" --cacert "$pki/root.pem" --map "$(to chain2swap12)" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; same_rc_as_curl chain2swap12 www.example.test
end

begin "intermediates out of order: still refused for a wrong name, an unknown root, a wrong pin (as curl)"
run -- --cacert "$pki/root.pem" --resolve other.example.test:443:10.0.0.1 --map "$(to chain2swap)" \
  "https://other.example.test/"
check_rc 60; check_msg "certificate does not match the host name"; same_rc_as_curl chain2swap other.example.test
run -- "${DNS[@]}" --cacert "$pki/unknown-root.pem" --map "$(to chain2swap)" "$URL/"
check_rc 60; check_msg "certificate not issued by a trusted CA"
same_rc_as_curl chain2swap www.example.test --cacert "$pki/unknown-root.pem"
run -- "${DNS[@]}" --cacert "$pki/root.pem" --pinnedpubkey "$(printf 'sha256//%s' \
  "$(openssl x509 -in "$pki/rsa.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | base64)")" --map "$(to chain2swap)" "$URL/"
check_rc 90
end

expect_exit 77 "bad CA file -> 77" "could not load the trusted CA certificates" -- \
  --cacert "$pki/bad-ca.pem" "${DNS[@]}" --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"
expect_exit 77 "missing CA file -> 77" "could not load the trusted CA certificates" -- \
  --cacert "$work/no-such-ca.pem" "${DNS[@]}" --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"

area trust
# --- Trust anchors: where they come from (curl's order), the system bundle, damage vs.
# unsupported algorithms, plain http without any, pinned keys. The caller's
# CURL_CA_BUNDLE / SSL_CERT_FILE were unset at the top; cases set them explicitly.
SYS_BUNDLE=/etc/ssl/certs/ca-certificates.crt # package ca-certificates (install-deps)
ANY_NET=("${DNS[@]}" --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}")
sys_plus=$work/system-plus-test.pem
cat "$SYS_BUNDLE" "$pki/root.pem" >"$sys_plus"
sys_count=$(grep -c 'BEGIN CERTIFICATE' "$SYS_BUNDLE")
# A directory of PEM files with OpenSSL's hash links: the system roots plus the test root.
capath=$work/capath
mkdir -p "$capath"
for f in /etc/ssl/certs/*.pem; do ln -sf "$f" "$capath/"; done
cp "$pki/root.pem" "$capath/wizfetch-test-root.pem"
openssl rehash "$capath" >/dev/null 2>&1 || setup_failed "openssl rehash"
# Damage: one certificate with a broken base64 character; one whose DER is cut short.
pem_body() { sed -n '/BEGIN CERT/,/END CERT/p' "$1" | sed '1d;$d' | tr -d '\n'; }
{ cat "$SYS_BUNDLE" "$pki/root.pem"; echo '-----BEGIN CERTIFICATE-----'
  pem_body "$pki/int.pem" | sed 's/^\(.\{200\}\)./\1!/' | fold -w 64; echo; echo '-----END CERTIFICATE-----'
} >"$work/damaged-b64.pem"
{ cat "$pki/root.pem"; echo '-----BEGIN CERTIFICATE-----'
  openssl x509 -in "$pki/int.pem" -outform DER | head -c 600 | base64 -w 64; echo '-----END CERTIFICATE-----'
} >"$work/damaged-der.pem"
# A root whose key and signature algorithm (Ed25519) this build's mbedTLS leaves out.
openssl genpkey -algorithm ED25519 -out "$work/ed25519.key" 2>/dev/null &&
  openssl req -x509 -new -key "$work/ed25519.key" -subj "/CN=Ed25519 Test Root" -days 3650 \
    -out "$work/ed25519.pem" 2>/dev/null || setup_failed "Ed25519 root"
cat "$pki/root.pem" "$work/ed25519.pem" >"$work/test-plus-ed25519.pem"
# Pins: SHA-256 of the DER SubjectPublicKeyInfo of the main server's leaf (rsa.pem) and of another key.
pin_of() { openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64; }
PIN_RSA="sha256//$(pin_of "$pki/rsa.pem")"
PIN_OTHER="sha256//$(pin_of "$pki/ecdsa.pem")"

begin "trust: --cacert with the system bundle plus the test root -> 0"
run -- -v --cacert "$sys_plus" "${ANY_NET[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
check_stderr "trust: $((sys_count + 1)) CA certificates from $sys_plus \(0 skipped: unsupported algorithm\)"
end

begin "trust: --capath (hashed directory of the system roots plus the test root) -> 0"
run -- -v --capath "$capath" "${ANY_NET[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
check_stderr "trust: $((sys_count + 1)) CA certificates from $capath "
end

begin "trust: \$CURL_CA_BUNDLE (system bundle plus the test root), no trust options -> 0"
CURL_CA_BUNDLE=$sys_plus run -- -v "${ANY_NET[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_stderr "from $sys_plus \(.CURL_CA_BUNDLE\)"
end

begin "trust: \$SSL_CERT_FILE (system bundle plus the test root), no trust options -> 0"
SSL_CERT_FILE=$sys_plus run -- -v "${ANY_NET[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_stderr "from $sys_plus \(.SSL_CERT_FILE\)"
end

begin "trust: \$CURL_CA_BUNDLE comes before \$SSL_CERT_FILE, --cacert before both"
CURL_CA_BUNDLE=$SYS_BUNDLE SSL_CERT_FILE=$sys_plus run -- "${ANY_NET[@]}" "$URL/"
check_rc 60; check_msg "certificate not issued by a trusted CA"
CURL_CA_BUNDLE=$SYS_BUNDLE SSL_CERT_FILE=$SYS_BUNDLE run -- --cacert "$pki/root.pem" "${ANY_NET[@]}" "$URL/"
check_rc 0
end

begin "trust: the system bundle alone (no options, no environment) -> 60"
run -- -v "${ANY_NET[@]}" "$URL/"
check_rc 60; check_msg "certificate not issued by a trusted CA"
check_stderr "trust: $sys_count CA certificates from $SYS_BUNDLE \(0 skipped"
end

expect_exit 77 "trust: a bundle with one damaged certificate (bad base64) -> 77" \
  "could not load the trusted CA certificates: .*certificate $((sys_count + 2)) is damaged" -- \
  --cacert "$work/damaged-b64.pem" "${ANY_NET[@]}" "$URL/"
expect_exit 77 "trust: a certificate with truncated DER -> 77" "certificate 2 is damaged: truncated or malformed DER" -- \
  --cacert "$work/damaged-der.pem" "${ANY_NET[@]}" "$URL/"
begin "trust: \$CURL_CA_BUNDLE with a damaged certificate -> 77"
CURL_CA_BUNDLE=$work/damaged-b64.pem run -- "${ANY_NET[@]}" "$URL/"
check_rc 77; check_msg "damaged-b64.pem \(.CURL_CA_BUNDLE\) \(certificate [0-9]+ is damaged"
end
begin "trust: a bundle whose only certificate uses an algorithm the build lacks -> 77"
run -- --cacert "$work/ed25519.pem" "${ANY_NET[@]}" "$URL/"
check_rc 77; check_msg "ed25519.pem \(no usable CA certificate in it \(1 skipped: unsupported algorithm\)\)"
end

begin "trust: an unsupported certificate next to a usable one is skipped and counted -> 0"
run -- -v --cacert "$work/test-plus-ed25519.pem" "${ANY_NET[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
check_stderr "trust: 1 CA certificates from .*test-plus-ed25519.pem \(1 skipped: unsupported algorithm\)"
end

# A root with an unknown critical extension (RFC 5280: not to be used) next to the test
# root: skipped and counted, as stock mbedTLS and the board's store do; alone: 77.
cat "$pki/root.pem" "$pki/odd-root.pem" >"$work/test-plus-odd.pem"
begin "trust: a root with an unknown critical extension next to a usable one is skipped and counted -> 0 (as curl)"
run -- -v --cacert "$work/test-plus-odd.pem" "${ANY_NET[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
same_rc_as_curl main www.example.test --cacert "$work/test-plus-odd.pem"
check_stderr "trust: 1 CA certificates from .*test-plus-odd.pem \(0 skipped: unsupported algorithm; 1 skipped: unsupported critical extension\)"
end
begin "trust: a bundle whose only root has an unknown critical extension -> 77"
run -- --cacert "$pki/odd-root.pem" "${ANY_NET[@]}" "$URL/"
check_rc 77; check_msg "odd-root.pem \(no usable CA certificate in it \(0 skipped: unsupported algorithm; 1 skipped: unsupported critical extension\)\)"
end
# Well-formed DER with a bad field (notBefore's month 13): the message names the field.
python3 - "$pki/int.pem" "$work/bad-date.pem" <<'PY' || setup_failed "bad-date.pem"
import base64, re, sys
pem = open(sys.argv[1]).read()
der = bytearray(base64.b64decode("".join(re.findall(r"^[A-Za-z0-9+/=]+$", pem, re.M))))
i = der.index(b"\x17\x0d")  # notBefore, a UTCTime YYMMDDHHMMSSZ
der[i + 4:i + 6] = b"13"
body = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE-----\n" +
    "\n".join(body[j:j + 64] for j in range(0, len(body), 64)) + "\n-----END CERTIFICATE-----\n")
PY
cat "$pki/root.pem" "$work/bad-date.pem" >"$work/test-plus-bad-date.pem"
expect_exit 77 "trust: a certificate with well-formed DER but bad dates -> 77, says which field" \
  "certificate 2 is damaged: bad validity dates" -- --cacert "$work/test-plus-bad-date.pem" "${ANY_NET[@]}" "$URL/"

begin "trust: plain http with no trust anchors anywhere -> 0"
CURL_CA_BUNDLE=$work/no-such-bundle.pem SSL_CERT_FILE=$work/no-such-bundle.pem \
  run -- -v --cacert "$work/no-such-ca.pem" "${DNS[@]}" --map "10.0.0.1:80=127.0.0.1:${NGINX_PORT[plain]}" \
  "http://www.example.test/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_stderr "trust: none needed \(plain http\)"
end

begin "--pinnedpubkey: the server's key -> 0 (also as the second of two pins, and with -k)"
run -- --pinnedpubkey "$PIN_RSA" "${MAIN[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
run -- --pinnedpubkey "$PIN_OTHER;$PIN_RSA" "${MAIN[@]}" "$URL/"
check_rc 0
run -- -k --pinnedpubkey "sha256//$(pin_of "$pki/selfsigned.pem")" "${SELFSIGNED[@]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"
end

expect_exit 90 "--pinnedpubkey: another key -> 90" "SSL public key does not match pinned public key" -- \
  --pinnedpubkey "$PIN_OTHER" "${MAIN[@]}" "$URL/"
expect_exit 90 "--pinnedpubkey with -k: the pin is still checked -> 90" \
  "SSL public key does not match pinned public key" -- -k --pinnedpubkey "$PIN_OTHER" "${SELFSIGNED[@]}" "$URL/"
expect_exit 60 "--pinnedpubkey: the chain is checked first (unknown CA, right pin) -> 60" \
  "certificate not issued by a trusted CA" -- --pinnedpubkey "sha256//$(pin_of "$pki/unknown.pem")" "${UNKNOWN[@]}" "$URL/"
expect_exit 2 "--pinnedpubkey: malformed -> 2" "bad --pinnedpubkey" -- --pinnedpubkey "sha1//abc" "${MAIN[@]}" "$URL/"

area failures
# Transport and server failures, each bounded in time.
begin "server closes mid-body -> 18"
run -- -o "$work/partial.out" "${PARTIAL[@]}" "$URL/"
check_rc 18; check_msg "HTTP body ended early \(partial transfer\)"; check_time 15
end

expect_exit 52 "server closes without answering -> 52" "empty reply from server" -- "${EMPTY[@]}" "$URL/"

# How a body without a length ends (RFC 9112 9.8): only TLS close_notify proves the end.
begin "close-delimited body ended by a bare TCP FIN (no close_notify) -> 56"
run -- "${TLSCLOSE[@]}" "$URL/bare-fin"
check_rc 56; check_msg "connection closed without TLS close_notify: body may be truncated"
end

begin "close-delimited body ended by close_notify -> 0"
run -- "${TLSCLOSE[@]}" "$URL/close-notify"
check_rc 0; check_stdout_is "$close_body"
end

begin "two empty application-data records in a row are not the end of the body"
run -- "${TLSEDGE[@]}" "$URL/empty-records"
check_rc 0
((SKIP)) || [[ $(cat "$OUT") == "first half|second half" ]] || fail "body '$(head -c 80 "$OUT")', expected both halves"
end

begin "Content-Length body, then a bare FIN -> 0 (the length proves the end)"
run -- "${TLSCLOSE[@]}" "$URL/length-fin"
check_rc 0; check_stdout_is "$close_body"
end

begin "chunked body, then a bare FIN -> 0 (the last chunk proves the end)"
run -- "${TLSCLOSE[@]}" "$URL/chunked-fin"
check_rc 0; check_stdout_is "$close_body"
end

begin "-i with a 300-byte reason phrase: the status line printed exactly"
run -- -s -i "${TLSCLOSE[@]}" "$URL/long-reason"
check_rc 0
if ((!SKIP)); then
  want="HTTP/1.1 200 $(printf 'R%.0s' {1..300})"
  [[ $(head -n 1 "$OUT" | tr -d '\r') == "$want" ]] || fail "the first line of stdout is not the status line"
  tail -c "$(stat -c %s "$close_body")" "$OUT" | cmp -s - "$close_body" || fail "stdout does not end with the body"
fi
end

expect_exit 8 "malformed status line -> 8" "malformed HTTP response" -- "${TLSCLOSE[@]}" "$URL/malformed"
# Framing that RFC 9112 does not allow, refused where curl 7.88 accepts it (see
# include/wizfetch/http.h): bare LF in chunk framing (7.1), a head mixing CRLF and LF.
expect_exit 8 "chunked framing with bare LF line ends -> 8" "malformed HTTP response" -- \
  "${TLSCLOSE[@]}" "$URL/lf-chunks"
expect_exit 8 "a head mixing CRLF and bare LF line ends -> 8" "malformed HTTP response" -- \
  "${TLSCLOSE[@]}" "$URL/mixed-eol"

begin "a stray CRLF after 100 Continue is skipped -> 0"
run -- "${TLSCLOSE[@]}" "$URL/blank-line"
check_rc 0; check_stdout_is "$close_body"
end

# -o: the file is opened at the first body byte, as curl does.
begin "-o: a fetch that fails before the body leaves an existing file untouched"
echo "precious" >"$work/keep.txt"
run -- -o "$work/keep.txt" "${REFUSED[@]}" "$URL/"
check_rc 7
((SKIP)) || [[ $(cat "$work/keep.txt") == precious ]] || fail "the existing file was changed"
end

begin "-o: a fetch that fails mid-body leaves what arrived, exit 18"
run -- -o "$work/partial-kept.out" "${PARTIAL[@]}" "$URL/"
check_rc 18
((SKIP)) || [[ $(stat -c %s "$work/partial-kept.out" 2>/dev/null) == 40000 ]] ||
  fail "the file does not hold the 40000 bytes that arrived"
end

begin "-o: an empty body makes an empty file"
rm -f "$work/empty.out"
run -- -o "$work/empty.out" "${MAIN[@]}" "$URL/empty.txt"
check_rc 0
((SKIP)) || [[ -f $work/empty.out && ! -s $work/empty.out ]] || fail "no empty file"
end

# Redirects may not take an https fetch to plain http unless allowed (curl's --proto-redir).
PLAIN_MAP=(--map "10.0.0.1:80=127.0.0.1:${NGINX_PORT[plain]}")
begin "redirect from https to http is refused by default -> 1"
run -- -L "${MAIN[@]}" "${PLAIN_MAP[@]}" "$URL/to-http"
check_rc 1; check_msg "protocol not allowed"; check_log '"GET /index.html ' 0
end

begin "--proto-redir +http allows the https -> http redirect"
run -- -L --proto-redir +http "${MAIN[@]}" "${PLAIN_MAP[@]}" "$URL/to-http"
check_rc 0; check_stdout_is "$docroot/index.html"; check_log "^${NGINX_PORT[plain]} .*\"GET /index.html HTTP/1.1\" 200"
end

expect_exit 1 "redirect refused with --proto-redir =https -> 1" "protocol not allowed" -- \
  -L --proto-redir =https "${MAIN[@]}" "${PLAIN_MAP[@]}" "$URL/to-http"
expect_exit 1 "unsupported scheme -> 1" "" -- "${MAIN[@]}" "ftp://www.example.test/"

begin "server never answers, -m 3 -> 28"
run --within 20 -- -m 3 "${MUTE[@]}" "$URL/"
check_rc 28; check_msg "timed out"; check_time 8
end

# The closing is inside -m too: after the deadline the connection is closed at once,
# not after waiting up to 1 s for a FIN the server never sends.
begin "body stalls, server never closes, -m 2 -> 28 within 2.6 s (closing included)"
run --within 20 -- -m 2 "${STALL[@]}" "$URL/"
check_rc 28; check_msg "timed out"
((SKIP || ELAPSED_MS <= 2600)) || fail "took ${ELAPSED_MS} ms, limit 2600 ms"
end

begin "connection refused -> 7"
run -- "${REFUSED[@]}" "$URL/"
check_rc 7; check_msg "connection refused"; check_time 15
end

expect_exit 35 "TLS 1.0-only server -> 35" "TLS handshake failed|TLS alert" -- "${TLS10[@]}" "$URL/"

begin "write error (-o /dev/full) -> 23"
run --within 90 -- -o /dev/full "${MAIN[@]}" "$URL/big.bin"
check_rc 23; check_msg "could not write the body"
end

# DNS failures.
expect_exit 6 "DNS: NXDOMAIN -> 6" "DNS: no such host \(NXDOMAIN\)" -- "${MAIN[@]}" "https://nosuch.example.test/"

begin "DNS: server never answers -> 6 (bounded)"
run --within 40 -- --cacert "$pki/root.pem" --dns 10.0.0.53 --map "10.0.0.53:53=127.0.0.1:$SILENT_DNS_PORT" \
  --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"
check_rc 6; check_msg "DNS: no server answered"; check_time 30
end

# One deadline: -m bounds every DNS server and attempt (3 silent servers x 2 rounds x
# 2 s would be 12 s), and a resolution cut short by it is a time-out (28), like curl.
begin "DNS: silent servers, -m 2 -> 28 within 3 s"
run --within 40 -- -m 2 --cacert "$pki/root.pem" --dns 10.0.0.53 --dns 10.0.0.54 --dns 10.0.0.55 \
  --map "10.0.0.53:53=127.0.0.1:$SILENT_DNS_PORT" --map "10.0.0.54:53=127.0.0.1:$SILENT_DNS_PORT" \
  --map "10.0.0.55:53=127.0.0.1:$SILENT_DNS_PORT" --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"
check_rc 28; check_msg "resolve failed: timed out"; check_time 3
end

begin "DNS: a silent server within a long -m -> 6 (no DNS server answered), not 28"
run --within 40 -- -m 30 --cacert "$pki/root.pem" --dns 10.0.0.53 --map "10.0.0.53:53=127.0.0.1:$SILENT_DNS_PORT" \
  --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"
check_rc 6; check_msg "DNS: no server answered"; check_time 10
end

begin "DNS: a CNAME without the target's address (dnsmasq --cname) -> query restarted at the target"
run -- -v --cacert "$pki/root.pem" --dns 10.0.0.53 --map "10.0.0.53:53=127.0.0.1:$ALIAS_DNS_PORT" \
  --map "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" "$URL/"
check_rc 0; check_stdout_is "$docroot/index.html"; check_stderr 'connect: 10\.0\.0\.1 port 443'
if ((!SKIP)); then
  grep -q 'query\[A\] edge\.cdn\.test from 127\.0\.0\.1' "$TS_DIR/alias-dns.log" ||
    fail "the resolver did not ask for edge.cdn.test"
fi
end

# URLs.
expect_exit 3 "malformed URL (no host) -> 3" "malformed URL" -- "${MAIN[@]}" "https://"
expect_exit 3 "malformed URL (port 99999) -> 3" "malformed URL" -- "${MAIN[@]}" "https://www.example.test:99999/"
expect_exit 3 "malformed URL (not a URL) -> 3" "malformed URL" -- "${MAIN[@]}" "no url here"

# Key log (for Wireshark): NSS key log format.
begin "--keylog (TLS 1.3): traffic secrets in NSS key log format"
run -- -s --tlsv1.3 --keylog "$work/keys13.log" "${MAIN[@]}" "$URL/"
check_rc 0
if ((!SKIP)); then
  grep -Eq '^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,96}$' "$work/keys13.log" 2>/dev/null ||
    fail "no CLIENT_TRAFFIC_SECRET_0 line in the key log"
fi
end

begin "--keylog: a new file is created owner-only (0600)"
rm -f "$work/keys-mode.log"
run -- -s --keylog "$work/keys-mode.log" "${MAIN[@]}" "$URL/"
check_rc 0
((SKIP)) || [[ $(stat -c %a "$work/keys-mode.log" 2>/dev/null) == 600 ]] ||
  fail "mode $(stat -c %a "$work/keys-mode.log" 2>/dev/null), expected 600"
end

begin "--keylog through a symbolic link is refused -> 23, the target untouched"
: >"$work/keylog-target"
ln -sf "$work/keylog-target" "$work/keylog-link"
run -- --keylog "$work/keylog-link" "${MAIN[@]}" "$URL/"
check_rc 23; check_msg "symbolic link"
((SKIP)) || [[ ! -s $work/keylog-target ]] || fail "secrets were written through the link"
end

begin "--keylog (TLS 1.2): CLIENT_RANDOM line"
run -- -s --tls-max 1.2 --keylog "$work/keys12.log" "${MAIN[@]}" "$URL/"
check_rc 0
if ((!SKIP)); then
  grep -Eq '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' "$work/keys12.log" 2>/dev/null ||
    fail "no CLIENT_RANDOM line in the key log"
fi
end

area requests
# --- requests: methods, headers, bodies, auth ----------------------------------------
#
# Each case runs wizfetch (through the chip model) and curl (directly) against the
# same server and requires the same server-side view: tests/e2e/echo_server.py logs
# method, target, the headers that matter, body length and sha256 of every request
# (the Host port normalised). curl gets wizfetch's User-Agent so that field compares
# too; a case that sets -A/-H User-Agent overrides it for both.

ECHO_URL=https://www.example.test:$ECHO_PORT
CURL=(curl -sS --cacert "$pki/root.pem" --resolve "www.example.test:$ECHO_PORT:127.0.0.1"
  --resolve "www.example.test:$ECHO_PORT2:127.0.0.1" --resolve "www.example.test:${NGINX_PORT[main]}:127.0.0.1")
wf_ua=$(timeout 30 "$bin" -s "${ECHO[@]}" "$URL/echo/ua" | sed -n 's/.*| user-agent=\([^|]*\) |.*/\1/p')
[[ -n $wf_ua ]] || setup_failed "no User-Agent seen from wizfetch by the echo server"
form_file=$work/form.txt
printf 'name=board\r\nplace=lab\n&temp=21.5\n' >"$form_file"
json_file=$work/reading.json
printf '{"sensor":"t1",\n "value":21.5}\n' >"$json_file"
head -c 65536 /dev/urandom >"$work/64k.bin"
head -c $((3 * 1048576)) /dev/urandom >"$work/3m.bin"
sha64k=$(sha256sum <"$work/64k.bin" | cut -d' ' -f1)
sha3m=$(sha256sum <"$work/3m.bin" | cut -d' ' -f1)

echo_mark() { wc -l <"$echo_log"; }
echo_since() { tail -n +$(($1 + 1)) "$echo_log"; }

# same_as_curl PATH ARGS...: run wizfetch with ARGS on $URL/PATH (through the model)
# and curl with the same ARGS on the echo server's real port; the server must have
# seen the same requests, and stdout must be the same. WF_ONLY=(...) are extra
# wizfetch arguments (e.g. -v); CURL_RC is curl's exit code, CURL_OUT its stdout.
# Sets WF_VIEW and CURL_VIEW (the log lines of each run).
WF_ONLY=()
same_as_curl() {
  ((SKIP)) && return 0
  local path=$1 mark
  shift
  mark=$(echo_mark)
  run --within 90 -- -s "${WF_ONLY[@]}" "${ECHO[@]}" "$@" "$URL$path"
  WF_VIEW=$(echo_since "$mark")
  mark=$(echo_mark)
  CURL_OUT=$work/$ncase.curl.out
  timeout -k 5 90 "${CURL[@]}" -A "$wf_ua" "$@" "$ECHO_URL$path" <"${RUN_STDIN:-/dev/null}" >"$CURL_OUT" \
    2>"$work/$ncase.curl.err"
  CURL_RC=$?
  CURL_VIEW=$(echo_since "$mark")
  [[ -n $WF_VIEW ]] || fail "the server saw no request from wizfetch"
  if [[ $WF_VIEW != "$CURL_VIEW" ]]; then
    fail "server-side views differ"
    printf '#   wizfetch: %s\n' "$WF_VIEW" | cut -c1-400
    printf '#   curl:     %s\n' "$CURL_VIEW" | cut -c1-400
  fi
  cmp -s "$OUT" "$CURL_OUT" || fail "stdout differs from curl's"
  ((CURL_RC == RC)) || fail "exit code $RC, curl's $CURL_RC"
}

view_has() { # view_has REGEX [LINE]: the wizfetch view (or its LINE-th request) matches
  ((SKIP)) && return 0
  local v=$WF_VIEW
  [[ -n ${2:-} ]] && v=$(sed -n "${2}p" <<<"$WF_VIEW")
  grep -Eq -- "$1" <<<"$v" || fail "server view does not match /$1/: $v"
}

view_lacks() { # view_lacks REGEX
  ((SKIP)) && return 0
  ! grep -Eq -- "$1" <<<"$WF_VIEW" || fail "server view matches /$1/: $WF_VIEW"
}

sha_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

begin "POST form (-d twice, joined with &): same as curl"
same_as_curl /echo/form -d 'name=board&temp=21.5' -d 'unit=C'
check_rc 0
view_has "^POST /echo/form \| host=www\.example\.test \| user-agent=$wf_ua \| accept=\*/\* \| content-type=application/x-www-form-urlencoded \| content-length=27 \| body=27 sha256=$(sha_of 'name=board&temp=21.5&unit=C')\$"
end

begin "POST form from -d @file (CR and LF stripped, as curl): same as curl"
same_as_curl /echo/form-file -d @"$form_file"
check_rc 0; view_has "body=29 sha256=$(sha_of 'name=boardplace=lab&temp=21.5')"
end

begin "POST JSON (--json): same as curl"
same_as_curl /echo/json --json '{"hello":"board"}'
check_rc 0
view_has "^POST /echo/json \| host=[^|]* \| user-agent=[^|]* \| accept=application/json \| content-type=application/json \| content-length=17 \| body=17 sha256=$(sha_of '{"hello":"board"}')\$"
end

begin "POST JSON from --json @file (as is, streamed): same as curl"
same_as_curl /echo/json-file --json @"$json_file"
check_rc 0; view_has "content-type=application/json .*body=$(stat -c %s "$json_file") sha256=$(sha256sum <"$json_file" | cut -d' ' -f1)"
end

begin "PUT a 64 KiB file (-T, URL ending in / gets the file name): same as curl"
same_as_curl /echo/upload/ -T "$work/64k.bin"
check_rc 0; view_has "^PUT /echo/upload/64k\.bin \|.*content-length=65536 \| body=65536 sha256=$sha64k\$"
end

begin "POST 3 MiB from --data-binary @file (streamed), sha256 at the server: same as curl"
same_as_curl /echo/big --data-binary @"$work/3m.bin"
check_rc 0; view_has "^POST /echo/big .*content-length=3145728 \| body=3145728 sha256=$sha3m\$"
end

begin "PUT from standard input (-T -): chunked, same as curl"
RUN_STDIN=$work/64k.bin
same_as_curl /echo/stdin -T -
RUN_STDIN=
check_rc 0; view_has "^PUT /echo/stdin .*transfer-encoding=chunked \| body=65536 sha256=$sha64k\$"
view_lacks "content-length="
end

begin "custom headers: added, default replaced, default removed, empty; -A, -e: same as curl"
same_as_curl /echo/headers -H 'X-Api-Key: k-123' -H 'Accept: text/plain' -H 'X-Empty;' -H 'X-Two: a' \
  -H 'X-Two: b' -A 'sensor-node/2.1' -e 'https://ref.example.test/page'
check_rc 0
view_has "^GET /echo/headers \| host=[^|]* \| user-agent=sensor-node/2\.1 \| accept=text/plain \| referer=https://ref\.example\.test/page \| x-api-key=k-123 \| x-empty= \| x-two=a, b \| body=0 "
end

begin "-H 'User-Agent:' removes the default: same as curl"
same_as_curl /echo/no-ua -H 'User-Agent:'
check_rc 0; view_lacks "user-agent="
end

begin "DELETE (-X): same as curl"
same_as_curl /echo/items/7 -X DELETE
check_rc 0; view_has "^DELETE /echo/items/7 \|.* body=0 "; view_lacks "content-length="
end

begin "PATCH with a JSON body (-X PATCH --json): same as curl"
same_as_curl /echo/items/7 -X PATCH --json '{"state":"on"}'
check_rc 0; view_has "^PATCH /echo/items/7 .*content-type=application/json .*body=14 "
end

begin "Basic auth (-u): same as curl"
same_as_curl /echo/private -u 'board:s3cret:x'
check_rc 0; view_has "authorization=Basic $(printf 'board:s3cret:x' | base64)"
end

# While the command runs its secrets must not stay readable in /proc/PID/cmdline (ps shows
# it to every user): -u, --pass and --cert FILE:PASS are blanked once copied, as curl
# does. Against the mute server (accepts, never answers) both wait in the handshake.
# cmdline_1s OUT COMMAND...: COMMAND's argv ('|'-separated) 1 s after its start, then stop it.
cmdline_1s() {
  local out=$1 pid
  shift
  "$@" >/dev/null 2>&1 &
  pid=$!
  sleep 1
  tr '\0' '|' <"/proc/$pid/cmdline" >"$out" 2>/dev/null
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
begin "-u, --pass, --cert FILE:PASS: blanked in /proc/PID/cmdline while running, as curl"
if ((!SKIP)); then
  ELAPSED_MS=0
  secret_sets=("-u|board:s3cret-u"
    "--cert|$pki/client-ecdsa.pem:wizfetch-test|--key|$pki/client-ecdsa-enc.key"
    "--cert|$pki/client-ecdsa.pem|--key|$pki/client-ecdsa-enc.key|--pass|wizfetch-test")
  for set in "${secret_sets[@]}"; do
    IFS='|' read -ra args <<<"$set"
    cmdline_1s "$work/cmdline.wf" "$bin" -s -m 10 "${MUTE[@]}" "${args[@]}" "$URL/argv-check"
    cmdline_1s "$work/cmdline.curl" curl -s -m 10 --cacert "$pki/root.pem" "${args[@]}" \
      "https://127.0.0.1:$MUTE_PORT/argv-check"
    for who in wf curl; do
      line=$(cat "$work/cmdline.$who")
      [[ $line == *"/argv-check|" ]] || fail "$who (${args[0]}): not running after 1 s (cmdline '$line')"
      [[ $line != *s3cret-u* && $line != *wizfetch-test* ]] || fail "$who (${args[0]}): secret visible: $line"
    done
  done
fi
end

begin "-G: the data as the query string: same as curl"
same_as_curl /echo/search -G -d 'q=temp' -d 'n=2'
check_rc 0; view_has '^GET /echo/search\?q=temp&n=2 \|'; view_lacks "content-type="
end

begin "POST + 303 -> GET without the body (-L): same as curl"
same_as_curl /see-other/x -L -d 'a=1'
check_rc 0
view_has "^POST /see-other/x .*body=3 " 1
view_has "^GET /echo/after-303 \| host=[^|]* \| user-agent=[^|]* \| accept=\*/\* \| body=0 " 2
end

begin "POST + 302 and POST + 301 -> GET without the body (-L, curl's default): same as curl"
same_as_curl /found/x -L -d 'a=1'
check_rc 0; view_has "^GET /echo/after-302 .*body=0 " 2
same_as_curl /moved/x -L -d 'a=1'
check_rc 0; view_has "^GET /echo/after-301 .*body=0 " 2
end

begin "POST + 307 -> POST with the body again (-L): same as curl"
same_as_curl /temp/x -L -d 'a=1'
check_rc 0; view_has "^POST /temp/x .*body=3 " 1; view_has "^POST /echo/after-307 .*body=3 " 2
end

begin "streamed POST + 308 -> the file rewound and sent again (-L): same as curl"
same_as_curl /perm/x -L --data-binary @"$work/64k.bin"
check_rc 0; view_has "^POST /echo/after-308 .*body=65536 sha256=$sha64k\$" 2
end

begin "307 to another port: Authorization dropped there, other headers kept: same as curl"
same_as_curl /other-port/x -L -u 'board:pw' -H 'X-Api-Key: k' -d 'a=1'
check_rc 0
view_has "^POST /other-port/x .*authorization=Basic " 1
view_has "^POST /echo/after-other-port .*x-api-key=k" 2
((SKIP)) || ! sed -n 2p <<<"$WF_VIEW" | has authorization= || fail "Authorization went to the other port"
end

begin "307 to another port: Cookie dropped there, other headers kept: same as curl"
same_as_curl /other-port/x -L -H 'cookie: a=b' -H 'X-Api-Key: k' -d 'a=1'
check_rc 0
view_has "^POST /other-port/x .*x-api-key=k \| cookie=a=b \| body=3 " 1
view_has "^POST /echo/after-other-port .*x-api-key=k \| body=3 " 2
end

# curl 7.88 keeps a -H Proxy-Authorization on that redirect; wizfetch drops it with the
# other credentials (it has no proxy: the field could only leak to the other host).
begin "307 to another port: Proxy-Authorization dropped there (curl 7.88 keeps it)"
mark=$(echo_mark)
run -- -s -L "${ECHO[@]}" -H 'Proxy-Authorization: Basic cDpx' -H 'X-Api-Key: k' -d 'a=1' "$URL/other-port/x"
WF_VIEW=$(echo_since "$mark")
check_rc 0
view_has "^POST /other-port/x .*x-api-key=k \| proxy-authorization=Basic cDpx \| body=3 " 1
view_has "^POST /echo/after-other-port .*x-api-key=k \| body=3 " 2
end

begin "interim 100 Continue while the body is sent: body complete, final response delivered"
same_as_curl /continue --data-binary @"$work/64k.bin"
check_rc 0; view_has "^POST /continue .*body=65536 sha256=$sha64k\$"
end

# A body streamed over plain http while the server sends interim responses (100, 103)
# in pauses where the send is blocked: they must not overwrite unsent body bytes.
begin "PUT 4 MiB over http, 100 and 103 arrive while the send is blocked: body intact, same as curl"
if ((!SKIP)); then
  head -c $((4 * 1048576)) /dev/urandom >"$work/4m.bin"
  sha4m=$(sha256sum <"$work/4m.bin" | cut -d' ' -f1)
  mark=$(echo_mark)
  run --within 90 -- -s "${DNS[@]}" --map "10.0.0.1:80=127.0.0.1:$ECHO_HTTP_PORT" -A "$wf_ua" \
    -T "$work/4m.bin" http://www.example.test/slow-interim/
  WF_VIEW=$(echo_since "$mark")
  mark=$(echo_mark)
  timeout -k 5 90 curl -sS -A "$wf_ua" -T "$work/4m.bin" "http://www.example.test:$ECHO_HTTP_PORT/slow-interim/" \
    --resolve "www.example.test:$ECHO_HTTP_PORT:127.0.0.1" >"$work/$ncase.curl.out" 2>"$work/$ncase.curl.err"
  CURL_RC=$?
  CURL_VIEW=$(echo_since "$mark")
  check_rc 0
  view_has "^PUT /slow-interim/4m\.bin \|.*content-length=4194304 \| body=4194304 sha256=$sha4m\$"
  [[ $CURL_RC == 0 && $CURL_VIEW == "$WF_VIEW" ]] ||
    fail "curl (exit $CURL_RC) made the server see: $CURL_VIEW"
  cmp -s "$OUT" "$work/$ncase.curl.out" || fail "stdout differs from curl's"
  rm -f "$work/4m.bin"
fi
end

begin "413 before the body is sent: sending stops, the response is delivered: same as curl"
WF_ONLY=(-v -i)
same_as_curl /too-large -i --data-binary @"$work/3m.bin"
WF_ONLY=()
check_rc 0; check_time 2
check_stderr 'answered before the body was sent'
((SKIP)) || has 'HTTP/1.1 413' "$OUT" 2>/dev/null || fail "no 413 status line on stdout"
end

begin "-v shows the request head, curl -v style ('> ' lines)"
run -- -v "${ECHO[@]}" --json '{"a":1}' -H 'X-Trace: 7' "$URL/echo/v"
check_rc 0
check_stderr '^> POST /echo/v HTTP/1\.1$'; check_stderr '^> Content-Length: 7$'; check_stderr '^> X-Trace: 7$'
check_stderr '^> Content-Type: application/json$'; check_stderr '^> $'
end

begin "413 while the body's send is blocked (the server stopped reading): noticed, delivered (W5500, 16 MiB)"
((SKIP)) || head -c $((16 * 1048576)) /dev/zero >"$work/16m.bin"
run --within 60 -- -s -i --chip w5500 "${ECHO[@]}" --data-binary @"$work/16m.bin" "$URL/late-413"
check_rc 0; check_time 8 # the server answers after 2.5 s and closes 10 s later
((SKIP)) || has 'HTTP/1.1 413' "$OUT" 2>/dev/null || fail "no 413 status line on stdout"
rm -f "$work/16m.bin"
end

begin "PUT from standard input + 307: cannot rewind -> 65"
RUN_STDIN=$work/64k.bin
run -- "${ECHO[@]}" -L -T - "$URL/temp/x"
RUN_STDIN=
check_rc 65; check_msg "cannot be rewound"
end

begin "server closes while the body is sent -> 55"
run -- "${ECHO[@]}" --data-binary @"$work/3m.bin" "$URL/close-mid-body"
check_rc 55; check_msg "request failed"; check_time 15
end

begin "missing -d @file -> 26, nothing sent"
mark=$(echo_mark)
run -- "${ECHO[@]}" -d @"$work/no-such-file" "$URL/echo/x"
check_rc 26; check_msg "cannot read .*no-such-file"
((SKIP)) || [[ $(echo_mark) == "$mark" ]] || fail "a request reached the server"
end

expect_exit 26 "missing -T file -> 26" "cannot read" -- "${ECHO[@]}" -T "$work/no-such-file" "$URL/echo/"
expect_exit 2 "bad -H syntax (no colon) -> 2" "bad header" -- "${ECHO[@]}" -H 'X-No-Colon' "$URL/echo/x"
expect_exit 2 "-H with CR LF (header injection) -> 2" "bad header" -- "${ECHO[@]}" -H $'X-A: 1\r\nX-Evil: 1' "$URL/echo/x"
expect_exit 2 "-H with a space in the name -> 2" "bad header" -- "${ECHO[@]}" -H 'X A: 1' "$URL/echo/x"
expect_exit 2 "-X with a space (not a token) -> 2" "bad -X method" -- "${ECHO[@]}" -X 'GET /x' "$URL/echo/x"
expect_exit 2 "-A with a newline -> 2" "control bytes" -- "${ECHO[@]}" -A $'a\nX-Evil: 1' "$URL/echo/x"
expect_exit 2 "-I with -d -> 2" "cannot send a body" -- "${ECHO[@]}" -I -d x "$URL/echo/x"

begin "a request head beyond the I/O buffer is refused before sending -> 2"
mark=$(echo_mark)
run -- -v "${ECHO[@]}" -H "X-Big: $(head -c 3000 /dev/zero | tr '\0' v)" "$URL/echo/x"
check_rc 2; check_stderr 'does not fit in the [0-9]+-byte I/O buffer'
((SKIP)) || [[ $(echo_mark) == "$mark" ]] || fail "a request reached the server"
end

# Several URLs with a body option, as curl: -d goes to every URL, -T only to the first
# (curl pairs -T with the URLs in order); both run on one connection.
two_urls_as_curl() { # two_urls_as_curl ARGS... (the URLs are /echo/u1 and /echo/u2)
  ((SKIP)) && return 0
  local mark
  mark=$(echo_mark)
  run --within 90 -- -s "${ECHO[@]}" "$@" "$URL/echo/u1" "$URL/echo/u2"
  WF_VIEW=$(echo_since "$mark")
  mark=$(echo_mark)
  timeout -k 5 90 "${CURL[@]}" -A "$wf_ua" "$@" "$ECHO_URL/echo/u1" "$ECHO_URL/echo/u2" >"$work/$ncase.curl.out" \
    2>"$work/$ncase.curl.err"
  CURL_RC=$?
  CURL_VIEW=$(echo_since "$mark")
  (($(wc -l <<<"$WF_VIEW") == 2)) || fail "the server saw $(wc -l <<<"$WF_VIEW") requests from wizfetch, not 2"
  [[ $WF_VIEW == "$CURL_VIEW" ]] || fail "server-side views differ: wizfetch [$WF_VIEW] curl [$CURL_VIEW]"
  cmp -s "$OUT" "$work/$ncase.curl.out" || fail "stdout differs from curl's"
  ((CURL_RC == RC)) || fail "exit code $RC, curl's $CURL_RC"
}
begin "several URLs: -d is sent to every URL, as curl"
two_urls_as_curl -d 'name=board' -d 'temp=21.5'
check_rc 0
((SKIP)) || (($(grep -c '^POST /echo/u[12] .*body=20 ' <<<"$WF_VIEW") == 2)) || fail "not two POSTs with the body"
end
begin "several URLs: -T goes with the first URL only (the second is a GET), as curl"
two_urls_as_curl -T "$form_file"
check_rc 0
((SKIP)) || has '^PUT /echo/u1 ' <<<"$WF_VIEW" || fail "the first URL was not a PUT"
((SKIP)) || has '^GET /echo/u2 .*body=0 ' <<<"$WF_VIEW" || fail "the second URL was not a GET without a body"
end

# The same against nginx: it reads the body and answers, or refuses it early.
MAIN_URL=https://www.example.test:${NGINX_PORT[main]}
begin "nginx: POST JSON and PUT 64 KiB are read and answered 200, as for curl"
run -- -s "${MAIN[@]}" --json '{"hello":"board"}' "$URL/post"
check_rc 0; check_log '"POST /post HTTP/1.1" 200'
((SKIP)) || [[ $(cat "$OUT") == posted ]] || fail "stdout is not nginx's answer"
run -- -s "${MAIN[@]}" -X PUT --data-binary @"$work/64k.bin" "$URL/post"
check_rc 0; check_log '"PUT /post HTTP/1.1" 200'
if ((!SKIP)); then
  timeout 30 "${CURL[@]}" --json '{"hello":"board"}' "$MAIN_URL/post" >"$work/nginx-curl.out" 2>&1
  cmp -s "$OUT" "$work/nginx-curl.out" || fail "curl got another answer"
fi
end

begin "nginx: 3 MiB POST to a 1 KiB location -> 413 before the body, delivered (exit 0), as curl"
run -- -s -i "${MAIN[@]}" --data-binary @"$work/3m.bin" "$URL/small"
check_rc 0; check_time 10; check_log '"POST /small HTTP/1.1" 413'
((SKIP)) || has 'HTTP/1.1 413' "$OUT" 2>/dev/null || fail "no 413 status line"
if ((!SKIP)); then
  timeout 30 "${CURL[@]}" -s -o /dev/null -w '%{http_code}' --data-binary @"$work/3m.bin" "$MAIN_URL/small" \
    >"$work/nginx-413.curl" 2>&1
  [[ $(cat "$work/nginx-413.curl") == 413 ]] || fail "curl saw $(cat "$work/nginx-413.curl"), not 413"
fi
end

# Keep-alive: several URLs in one command share a connection while the server keeps
# it. nginx's /conn answers "<connection number> <requests on it>", what the server saw.
# conn_pair FILE: "same" if FILE holds two lines "C 1" and "C 2" with one C, else why not.
conn_pair() {
  awk 'NR == 1 { c = $1; r1 = $2 } NR == 2 { same = ($1 == c); r2 = $2 }
       END { if (NR == 2 && same && r1 == 1 && r2 == 2) print "same"; else print "lines: " NR ", " c " " r1 " / " $1 " " $2 }' "$1"
}
# two_conns FILE: "two" if FILE holds two lines "C 1" and "D 1" with C != D.
two_conns() {
  awk 'NR == 1 { c = $1; r1 = $2 } NR == 2 { other = ($1 != c); r2 = $2 }
       END { if (NR == 2 && other && r1 == 1 && r2 == 1) print "two"; else print "lines: " NR ", " c " " r1 " / " $1 " " $2 }' "$1"
}

begin "keep-alive: two https URLs on one connection (nginx: requests 1 and 2), as curl"
run -- -v "${MAIN[@]}" "$URL/conn" "$URL/conn"
check_rc 0; check_log '"GET /conn HTTP/1.1" 200' 2
check_stderr '^\* Re-using existing connection #0 with host www\.example\.test$'
check_stderr '^\* Connection #0 to host www\.example\.test left intact$'
((SKIP)) || [[ $(conn_pair "$OUT") == same ]] || fail "wizfetch: $(conn_pair "$OUT")"
((SKIP)) || ! grep -q '^> Connection' "$ERR" || fail "the requests carried a Connection field"
((SKIP)) || (($(grep -c 'tls: handshake' "$ERR") == 1)) || fail "not exactly one TLS handshake"
if ((!SKIP)); then
  timeout 30 curl -sS --cacert "$pki/root.pem" --resolve "www.example.test:${NGINX_PORT[main]}:127.0.0.1" \
    "https://www.example.test:${NGINX_PORT[main]}/conn" "https://www.example.test:${NGINX_PORT[main]}/conn" \
    >"$work/ka-curl.out" 2>&1
  [[ $(conn_pair "$work/ka-curl.out") == same ]] || fail "curl: $(conn_pair "$work/ka-curl.out")"
fi
end

begin "keep-alive: two http URLs on one connection, as curl"
run -- -v "${DNS[@]}" "${PLAIN_MAP[@]}" http://www.example.test/conn http://www.example.test/conn
check_rc 0; check_log "^${NGINX_PORT[plain]} .*\"GET /conn HTTP/1.1\" 200" 2
check_stderr '^\* Re-using existing connection #0 with host www\.example\.test$'
((SKIP)) || [[ $(conn_pair "$OUT") == same ]] || fail "wizfetch: $(conn_pair "$OUT")"
if ((!SKIP)); then
  timeout 30 curl -sS "http://127.0.0.1:${NGINX_PORT[plain]}/conn" "http://127.0.0.1:${NGINX_PORT[plain]}/conn" \
    >"$work/ka-curl-plain.out" 2>&1
  [[ $(conn_pair "$work/ka-curl-plain.out") == same ]] || fail "curl: $(conn_pair "$work/ka-curl-plain.out")"
fi
end

begin "keep-alive: another port is another connection (two connections, each request 1)"
run -- -v "${MAIN[@]}" --map "10.0.0.1:8443=127.0.0.1:${NGINX_PORT[tls13]}" "$URL/conn" "$URL:8443/conn"
check_rc 0; check_log '"GET /conn HTTP/1.1" 200' 2
((SKIP)) || [[ $(two_conns "$OUT") == two ]] || fail "$(two_conns "$OUT")"
((SKIP)) || ! grep -q 'Re-using' "$ERR" || fail "re-used a connection to another port"
check_stderr '^\* Connected to www\.example\.test \(10\.0\.0\.1\) port 8443 \(#1\)$'
end

begin "keep-alive: a server that closes after each response (keepalive_timeout 0): two connections"
run -- -v "${MAIN[@]}" "$URL/conn-close" "$URL/conn-close"
check_rc 0; check_log '"GET /conn-close HTTP/1.1" 200' 2
((SKIP)) || [[ $(two_conns "$OUT") == two ]] || fail "$(two_conns "$OUT")"
check_stderr '^\* Closing connection 0$'
end

begin "keep-alive: -H 'Connection: close' is honoured (two connections)"
run -- "${MAIN[@]}" -H "Connection: close" "$URL/conn" "$URL/conn"
check_rc 0
((SKIP)) || [[ $(two_conns "$OUT") == two ]] || fail "$(two_conns "$OUT")"
end

begin "keep-alive: a redirect to the same origin goes over the same connection (-L)"
run -- -v -L "${MAIN[@]}" "$URL/old"
check_rc 0; check_stdout_is "$docroot/index.html"
check_log '"GET /old HTTP/1.1" 301' 1; check_log '"GET /index.html HTTP/1.1" 200' 1
check_stderr '^\* Re-using existing connection #0 with host www\.example\.test$'
((SKIP)) || (($(grep -c 'tls: handshake' "$ERR") == 1)) || fail "not exactly one TLS handshake"
end

begin "several URLs: -o pairs with the URLs in order, the rest to stdout (as curl)"
rm -f "$work/ka-1.out" "$work/ka-2.out"
run -- -s "${MAIN[@]}" -o "$work/ka-1.out" "$URL/conn" -o "$work/ka-2.out" "$URL/index.html" "$URL/conn"
check_rc 0
((SKIP)) || has -E '^[0-9]+ 3$' "$OUT" || fail "stdout is not /conn's third answer on the connection"
((SKIP)) || cmp -s "$work/ka-2.out" "$docroot/index.html" || fail "the second -o file is not index.html"
((SKIP)) || has -E '^[0-9]+ 1$' "$work/ka-1.out" || fail "the first -o file is not /conn's first answer"
end

begin "several URLs: the exit code is the last URL's (as curl 7.88)"
run -- -s -f "${MAIN[@]}" "$URL/conn" "$URL/no-such-file"
check_rc 22
run -- -s -f "${MAIN[@]}" "$URL/no-such-file" "$URL/conn"
check_rc 0; check_log '"GET /no-such-file HTTP/1.1" 404'
if ((!SKIP)); then
  c=(curl -sS -f --cacert "$pki/root.pem" --resolve "www.example.test:${NGINX_PORT[main]}:127.0.0.1")
  u=https://www.example.test:${NGINX_PORT[main]}
  timeout 30 "${c[@]}" "$u/conn" "$u/no-such-file" >/dev/null 2>&1; a=$?
  timeout 30 "${c[@]}" "$u/no-such-file" "$u/conn" >/dev/null 2>&1; b=$?
  [[ $a == 22 && $b == 0 ]] || fail "curl exits $a and $b, not 22 and 0"
fi
end

# The keep-alive server (tests/e2e/keepalive_server.py) closes kept connections on
# purpose; its log says what it saw: "conn C req R METHOD TARGET body=N -> ACTION".
KA=("${DNS[@]}" --map "10.0.0.1:80=127.0.0.1:$KA_PORT")
KA_TLS=(--cacert "$pki/root.pem" "${DNS[@]}" --map "10.0.0.1:443=127.0.0.1:$KA_TLS_PORT")
ka_since() { tail -n +$(($2 + 1)) "$1" | sed 's/^conn [0-9]* /conn /'; }

for scheme in http https; do
  if [[ $scheme == http ]]; then ka=("${KA[@]}"); klog=$ka_log; else ka=("${KA_TLS[@]}"); klog=$ka_tls_log; fi
  begin "keep-alive ($scheme): closed under the next GET before any answer -> sent again on a new connection"
  mark=$(wc -l <"$klog")
  run -- -v "${ka[@]}" "$scheme://www.example.test/once" "$scheme://www.example.test/again"
  check_rc 0; check_stderr 'closed by the server before any response: sending again on a new connection'
  if ((!SKIP)); then
    got=$(ka_since "$klog" "$mark" | tr '\n' '|')
    [[ $got == "conn req 1 GET /once body=0 -> 200|conn req 2 GET /again body=0 -> closed|conn req 1 GET /again body=0 -> 200|" ]] ||
      fail "server saw: $got"
    (($(grep -c 'req 1 GET /again' "$OUT") == 1)) || fail "the second body is missing"
  fi
  end
done

begin "keep-alive: closed under a POST whose body was sent -> not sent again, empty reply (52)"
mark=$(wc -l <"$ka_log")
run -- -v -d x=1 "${KA[@]}" http://www.example.test/once http://www.example.test/again
check_rc 52; check_stderr 'not sent again \(POST with its body sent\)'
if ((!SKIP)); then
  got=$(ka_since "$ka_log" "$mark" | tr '\n' '|')
  [[ $got == "conn req 1 POST /once body=3 -> 200|conn req 2 POST /again body=3 -> closed|" ]] ||
    fail "server saw: $got"
fi
end

for scheme in http https; do
  if [[ $scheme == http ]]; then ka=("${KA[@]}"); klog=$ka_log; else ka=("${KA_TLS[@]}"); klog=$ka_tls_log; fi
  begin "keep-alive ($scheme): a connection the server closed while idle is not used (a new one)"
  mark=$(wc -l <"$klog")
  run -- -v "${ka[@]}" "$scheme://www.example.test/fin" "$scheme://www.example.test/after"
  check_rc 0
  check_stderr 'closed by the server \(or unexpected bytes\): a new connection|sending again on a new connection'
  if ((!SKIP)); then
    got=$(ka_since "$klog" "$mark" | tr '\n' '|')
    [[ $got == "conn req 1 GET /fin body=0 -> 200+closed|conn req 1 GET /after body=0 -> 200|" ]] ||
      fail "server saw: $got"
  fi
  end
done

# RFC 9112 6.3: chunked framing wins over a Content-Length beside it, and the connection
# is closed after such a response (curl 7.88 keeps it; a smuggling risk).
begin "keep-alive: a response with Content-Length and Transfer-Encoding: chunked is not kept (two connections)"
mark=$(wc -l <"$ka_log")
run -- -v "${KA[@]}" http://www.example.test/te-cl http://www.example.test/te-cl
check_rc 0
if ((!SKIP)); then
  got=$(ka_since "$ka_log" "$mark" | tr '\n' '|')
  [[ $got == "conn req 1 GET /te-cl body=0 -> 200|conn req 1 GET /te-cl body=0 -> 200|" ]] ||
    fail "server saw: $got"
  (($(grep -c '^conn [0-9]* req 1 GET /te-cl$' "$OUT") == 2)) || fail "the bodies are not the chunked ones"
  ! grep -q 'Re-using' "$ERR" || fail "re-used the connection"
fi
end
area mtls
# --- client certificates (mutual TLS) -----------------------------------------------
# nginx's "mtls" block requires a certificate from client-ca.pem (ssl_verify_client on);
# /whoami answers what nginx saw: "verify=$ssl_client_verify dn=$ssl_client_s_dn". Each
# accepted case runs curl with the same --cert/--key/--pass and requires the same answer.
net MTLS "${NGINX_PORT[mtls]}"
MTLS_URL=https://www.example.test:${NGINX_PORT[mtls]}
CURL_MTLS=(curl -sS --cacert "$pki/root.pem" --resolve "www.example.test:${NGINX_PORT[mtls]}:127.0.0.1")
# mtls_case NAME VERSION EXPECTED_BODY -- CERT_ARGS... : wizfetch and curl, the same view
mtls_case() {
  local name=$1 version=$2 want=$3
  shift 4
  begin "$name"
  local vers=()
  [[ $version == TLSv1.2 ]] && vers=(--tls-max 1.2)
  [[ $version == TLSv1.3 ]] && vers=(--tlsv1.3)
  run -- -s "${vers[@]}" "$@" "${MTLS[@]}" "$URL/whoami"
  check_rc 0
  check_log "^[0-9]+ $version .*\"GET /whoami HTTP/1.1\" 200"
  if ((!SKIP)); then
    [[ $(cat "$OUT") == "$want" ]] || fail "server saw '$(head -c 200 "$OUT")', expected '$want'"
    timeout 30 "${CURL_MTLS[@]}" "${vers[@]}" "$@" "$MTLS_URL/whoami" >"$work/$ncase.curl" 2>&1
    cmp -s "$OUT" "$work/$ncase.curl" || fail "curl got '$(head -c 200 "$work/$ncase.curl")'"
  fi
  end
}
ECDSA_DN="verify=SUCCESS dn=CN=device-ecdsa-0001"
RSA_DN="verify=SUCCESS dn=CN=device-rsa-0002"
mtls_case "mTLS: ECDSA P-256 client certificate accepted (TLS 1.3), as curl" TLSv1.3 "$ECDSA_DN" -- \
  --cert "$pki/client-ecdsa.pem" --key "$pki/client-ecdsa.key"
mtls_case "mTLS: ECDSA P-256 client certificate accepted (TLS 1.2), as curl" TLSv1.2 "$ECDSA_DN" -- \
  --cert "$pki/client-ecdsa.pem" --key "$pki/client-ecdsa.key"
mtls_case "mTLS: RSA-2048 client certificate accepted (TLS 1.3, RSA-PSS), as curl" TLSv1.3 "$RSA_DN" -- \
  --cert "$pki/client-rsa.pem" --key "$pki/client-rsa.key"
mtls_case "mTLS: RSA-2048 client certificate accepted (TLS 1.2), as curl" TLSv1.2 "$RSA_DN" -- \
  --cert "$pki/client-rsa.pem" --key "$pki/client-rsa.key"
mtls_case "mTLS: encrypted key with --pass, as curl" TLSv1.3 "$ECDSA_DN" -- \
  --cert "$pki/client-ecdsa.pem" --key "$pki/client-ecdsa-enc.key" --pass wizfetch-test
mtls_case "mTLS: encrypted key with --cert FILE:PASSWORD, as curl" TLSv1.3 "$ECDSA_DN" -- \
  --cert "$pki/client-ecdsa.pem:wizfetch-test" --key "$pki/client-ecdsa-enc.key"
mtls_case "mTLS: certificate and key in one file (no --key), as curl" TLSv1.2 "$ECDSA_DN" -- \
  --cert "$pki/client-ecdsa-bundle.pem"
mtls_case "mTLS: DER certificate and key (--cert-type/--key-type DER), as curl" TLSv1.3 "$ECDSA_DN" -- \
  --cert-type DER --cert "$pki/client-ecdsa.der" --key-type DER --key "$pki/client-ecdsa-key.der"

begin "mTLS: no client certificate -> empty Certificate, nginx 400 (body says so), as curl"
run -- -s "${MTLS[@]}" "$URL/whoami"
check_rc 0; check_log '"GET /whoami HTTP/1.1" 400'
if ((!SKIP)); then
  grep -q 'No required SSL certificate was sent' "$OUT" || fail "nginx's 400 page does not say why"
  timeout 30 "${CURL_MTLS[@]}" "$MTLS_URL/whoami" >"$work/$ncase.curl" 2>&1
  cmp -s "$OUT" "$work/$ncase.curl" || fail "curl got another answer"
fi
end
expect_exit 22 "mTLS: no client certificate with -f -> 22" "HTTP 400" -- -f "${MTLS[@]}" "$URL/whoami"

begin "mTLS: certificate from another CA -> nginx 400 'certificate error' (-f: 22), as curl"
run -- -s "${MTLS[@]}" --cert "$pki/client-other.pem" --key "$pki/client-other.key" "$URL/whoami"
check_rc 0; check_log '"GET /whoami HTTP/1.1" 400'
if ((!SKIP)); then
  grep -q 'The SSL certificate error' "$OUT" || fail "nginx's 400 page is not the certificate error"
  timeout 30 "${CURL_MTLS[@]}" --cert "$pki/client-other.pem" --key "$pki/client-other.key" \
    "$MTLS_URL/whoami" >"$work/$ncase.curl" 2>&1
  cmp -s "$OUT" "$work/$ncase.curl" || fail "curl got another answer"
fi
end
expect_exit 22 "mTLS: certificate from another CA with -f -> 22" "HTTP 400" -- -f \
  --cert "$pki/client-other.pem" --key "$pki/client-other.key" "${MTLS[@]}" "$URL/whoami"

begin "mTLS: a client certificate given for a server that asks for none -> fetched as usual"
run -- -s --cert "$pki/client-ecdsa.pem" --key "$pki/client-ecdsa.key" "${MAIN[@]}" "$URL/"
check_rc 0; check_log '"GET / HTTP/1.1" 200'
end

# Unusable certificates and keys: exit 58 before any connection, with the reason.
expect_exit 58 "mTLS: encrypted key without --pass -> 58" "client-ecdsa-enc.key: client key is encrypted.*--pass" -- \
  --cert "$pki/client-ecdsa.pem" --key "$pki/client-ecdsa-enc.key" "${MTLS[@]}" "$URL/whoami"
expect_exit 58 "mTLS: encrypted key, wrong password -> 58" "wrong password for the client key" -- \
  --cert "$pki/client-ecdsa.pem" --key "$pki/client-ecdsa-enc.key" --pass nope "${MTLS[@]}" "$URL/whoami"
expect_exit 58 "mTLS: key of another certificate -> 58" "does not match the client certificate" -- \
  --cert "$pki/client-ecdsa.pem" --key "$pki/client-other.key" "${MTLS[@]}" "$URL/whoami"
expect_exit 58 "mTLS: missing certificate file -> 58" "cannot read the client certificate .*No such file" -- \
  --cert "$work/no-such.pem" "${MTLS[@]}" "$URL/whoami"
expect_exit 58 "mTLS: missing key file -> 58" "cannot read the client key .*No such file" -- \
  --cert "$pki/client-ecdsa.pem" --key "$work/no-such.key" "${MTLS[@]}" "$URL/whoami"
expect_exit 58 "mTLS: certificate file without a key (no --key) -> 58" "client private key unreadable" -- \
  --cert "$pki/client-ecdsa.pem" "${MTLS[@]}" "$URL/whoami"
expect_exit 58 "mTLS: not a certificate -> 58" "client certificate unreadable" -- \
  --cert "$pki/bad-ca.pem" --key "$pki/client-ecdsa.key" "${MTLS[@]}" "$URL/whoami"
expect_exit 58 "mTLS: RSA-1024 key -> 58" "client key not supported" -- \
  --cert "$pki/client-rsa1024.pem" --key "$pki/client-rsa1024.key" "${MTLS[@]}" "$URL/whoami"
expect_exit 2 "mTLS: --cert-type P12 -> 2" "unsupported certificate or key type" -- \
  --cert-type P12 --cert "$pki/client-ecdsa.pem" "${MTLS[@]}" "$URL/whoami"
expect_exit 2 "mTLS: --key without --cert -> 2" "--key needs --cert" -- \
  --key "$pki/client-ecdsa.key" "${MTLS[@]}" "$URL/whoami"
begin "mTLS: --cert 'A\\:B' is the file A:B (curl's escape), not a password"
cp "$pki/client-ecdsa-bundle.pem" "$work/colon:bundle.pem"
run -- -s --cert "$work/colon\\:bundle.pem" "${MTLS[@]}" "$URL/whoami"
check_rc 0
((SKIP)) || [[ $(cat "$OUT") == "$ECDSA_DN" ]] || fail "server saw '$(head -c 200 "$OUT")'"
end

area options
# --- curl's everyday options: bundles, -S, -w, -D, --fail-with-body, -O, --url -------
#
# vs_curl PATH ARGS...: wizfetch with ARGS on $URL/PATH through the model (nginx
# "main"), curl with the same ARGS on nginx's real port, each in a directory of its
# own (WF_DIR, CURL_DIR: the current directory of the run, so -o/-O files land there;
# PREP, if set, is run in both first). What must match: the exit codes, stdout and
# the files written (curl's 127.0.0.1 read as wizfetch's 10.0.0.1, and VS_NORM, a
# sed script, applied to both: e.g. the time_* numbers), and the request
# lines nginx logged with their status and body size. WF_ONLY: extra wizfetch
# arguments. CURL_ERR is curl's stderr.
# curl reaches the same URLs as wizfetch: www.example.test:443 is nginx's port for it too.
NGINX_URL=$URL
CURL_NGINX=(curl --cacert "$pki/root.pem" --connect-to "www.example.test:443:127.0.0.1:${NGINX_PORT[main]}")
VS_NORM=""
VS_SIZES=1 # 0: leave out the byte counts nginx logged (a client that stops reading: they vary)
PREP=""
WF_DIR=""
CURL_DIR=""
WF_SEEN=""
nginx_mark() { if [[ -f $access_log ]]; then wc -l <"$access_log"; else echo 0; fi; }
nginx_since() { # nginx_since MARK: request, status and size of each line logged since MARK
  local i
  for ((i = 0; i < 20; i++)); do
    (($(nginx_mark) > $1)) && break
    sleep 0.1
  done
  sleep 0.2 # a second request of the same run
  tail -n +$(($1 + 1)) "$access_log" | sed -E 's/^[0-9]+ [^ ]+ [^ ]+ //' | if ((VS_SIZES)); then cat; else sed -E 's/ [0-9]+$//'; fi
}
vs_norm() { # vs_norm FILE: the comparable form
  sed -E -e 's/127\.0\.0\.1/10.0.0.1/g' ${VS_NORM:+-e "$VS_NORM"} "$1"
}
vs_curl() {
  ((SKIP)) && return 0
  local path=$1 mark f
  shift
  WF_DIR=$work/$ncase.wf
  CURL_DIR=$work/$ncase.curl
  rm -rf "$WF_DIR" "$CURL_DIR"
  mkdir -p "$WF_DIR" "$CURL_DIR"
  if [[ -n $PREP ]]; then
    (cd "$WF_DIR" && eval "$PREP")
    (cd "$CURL_DIR" && eval "$PREP")
  fi
  mark=$(nginx_mark)
  cd "$WF_DIR" || return 0
  run --within 60 -- "${WF_ONLY[@]}" "${MAIN[@]}" "$@" "$URL$path"
  cd - >/dev/null || return 0
  WF_SEEN=$(nginx_since "$mark")
  mark=$(nginx_mark)
  CURL_OUT=$work/$ncase.curl.out
  CURL_ERR=$work/$ncase.curl.err
  (cd "$CURL_DIR" && timeout -k 5 60 "${CURL_NGINX[@]}" "$@" "$NGINX_URL$path" <"${RUN_STDIN:-/dev/null}" \
    >"$CURL_OUT" 2>"$CURL_ERR")
  CURL_RC=$?
  CURL_SEEN=$(nginx_since "$mark")
  ((CURL_RC == RC)) || fail "exit code $RC, curl's $CURL_RC"
  if ! cmp -s "$OUT" "$CURL_OUT" && [[ $(vs_norm "$OUT") != "$(vs_norm "$CURL_OUT")" ]]; then
    fail "stdout differs from curl's"
    diff <(vs_norm "$CURL_OUT") <(vs_norm "$OUT") | head -8 | sed 's/^/#   /'
  fi
  [[ $WF_SEEN == "$CURL_SEEN" ]] || fail "nginx saw [${WF_SEEN//$'\n'/|}], for curl [${CURL_SEEN//$'\n'/|}]"
  for f in $(cd "$CURL_DIR" && find . -type f | sort) $(cd "$WF_DIR" && find . -type f | sort); do
    if [[ ! -f $WF_DIR/$f ]]; then fail "wizfetch did not write $f"; continue; fi
    if [[ ! -f $CURL_DIR/$f ]]; then fail "wizfetch wrote $f, curl did not"; continue; fi
    cmp -s "$WF_DIR/$f" "$CURL_DIR/$f" || [[ $(vs_norm "$WF_DIR/$f") == "$(vs_norm "$CURL_DIR/$f")" ]] ||
      fail "$f differs from curl's"
  done
}
# The first stderr line of each, with the program's name made the same.
first_err_same() {
  ((SKIP)) && return 0
  local a b
  a=$(head -n 1 "$ERR")
  b=$(head -n 1 "$CURL_ERR" | sed 's/^curl: /wizfetch: /')
  [[ $a == "$b" ]] || fail "stderr '$a', curl's '$b'"
}

begin "bundled short options: -fsSL follows the redirect, as curl"
vs_curl /old -fsSL
check_rc 0; check_no_stderr
((SKIP)) || cmp -s "$OUT" "$docroot/index.html" || fail "not index.html"
end

begin "bundled short options with values: -sSo FILE, -Lo FILE, -sLo FILE -vk, as curl"
vs_curl /index.html -sSo a.html
check_rc 0
vs_curl /old -sLo b.html
check_rc 0
WF_ONLY=(-s)
vs_curl /rel -Lo c.html
WF_ONLY=()
check_rc 0
vs_curl /old -sLo d.html -vk
check_rc 0; check_stderr '^> GET /index.html HTTP/1\.1'
end

# bad_args ARGS...: wizfetch and curl refuse ARGS alike: exit 2, the same first line.
bad_args() {
  ((SKIP)) && return 0
  run -- "$@"
  CURL_ERR=$work/$ncase.curl.err
  curl "$@" >/dev/null 2>"$CURL_ERR"
  CURL_RC=$?
  ((RC == 2 && CURL_RC == 2)) || fail "$*: exit $RC, curl's $CURL_RC"
  first_err_same
}
begin "bad options are named as curl names them (in a bundle, long, missing value) -> 2"
bad_args -fsSW "$URL/index.html"
bad_args -W -s "$URL/index.html"
bad_args --foo "$URL/index.html"
bad_args "$URL/index.html" -sSo
bad_args "$URL/index.html" --output
bad_args -s
check_msg 'no URL specified!'
end

begin "-S: errors shown under -s (-sS), none with -s alone; exit 22 as curl"
vs_curl /missing -fsS
check_rc 22; check_msg 'HTTP 404'
vs_curl /missing -fs
check_rc 22; check_no_stderr
end

WO_ALL='code=%{http_code} rc=%{response_code} dl=%{size_download} ul=%{size_upload} hdr=%{size_header} type=%{content_type} exit=%{exitcode} err=%{errormsg} ssl=%{ssl_verify_result} scheme=%{scheme} conns=%{num_connects} redirs=%{num_redirects} redir_url=%{redirect_url} url=%{url_effective} method=%{method} file=%{filename_effective} ip=%{remote_ip} port=%{remote_port} t=%{time_namelookup},%{time_connect},%{time_appconnect},%{time_pretransfer},%{time_starttransfer},%{time_total},%{time_redirect} speed=%{speed_download} hdr_server=%header{server} hdr_none=[%header{x-absent}]\n'
TIME_NORM='s/[0-9]+\.[0-9]{6}/T/g; s/speed=[0-9]+/speed=N/; s/port=[0-9]+/port=P/'
begin "-w: every variable as curl (time_*, speed, port: their shape), 200, 404 and a redirect not followed"
VS_NORM=$TIME_NORM
vs_curl /index.html -s -o page.html -w "$WO_ALL"
check_rc 0
((SKIP)) || has -E 'code=200 .*dl=[1-9][0-9]* .*type=text/html .*scheme=HTTPS conns=1 .*ip=10\.0\.0\.1 ' "$OUT" ||
  fail "-w output: $(head -c 300 "$OUT")"
vs_curl /missing -s -w "$WO_ALL"
check_rc 0
vs_curl /old -s -w "$WO_ALL"
check_rc 0; ((SKIP)) || has 'redir_url=https://www.example.test/index.html ' "$OUT" || fail "no redirect_url"
vs_curl /old -sL -w "$WO_ALL"
check_rc 0; ((SKIP)) || has 'redirs=1 redir_url= url=https://www.example.test/index.html ' "$OUT" || fail "redirect: $(head -c 300 "$OUT")"
vs_curl /missing -sf -w "$WO_ALL"
check_rc 22; ((SKIP)) || has 'exit=22 err=The requested URL returned error: 404 ' "$OUT" || fail "-f: $(head -c 300 "$OUT")"
VS_NORM=""
end

begin "-w: escapes, %%, %{stderr}/%{stdout}, @FILE and @- (CR/LF removed), an unknown variable, as curl"
vs_curl /index.html -s -o /dev/null -w 'a\tb\\c\n100%% %{http_code}\r\n%{stderr}to-err %{http_code}%{stdout} back\q %x %{'
check_rc 0
((SKIP)) || [[ $(cat "$ERR") == "to-err 200" && $(cat "$CURL_ERR") == "to-err 200" ]] || fail "stderr: $(cat "$ERR")"
PREP="printf 'x=%%{http_code}\r\n y=%%{size_download}\\\\n' > wo.txt"
vs_curl /index.html -s -o /dev/null -w @wo.txt
check_rc 0
((SKIP)) || [[ $(cat "$OUT") == "x=200 y=$index_size" ]] || fail "@file: $(cat "$OUT")"
PREP=""
RUN_STDIN=$work/wo-stdin.txt
printf '%%{http_code}\n|%%{method}' >"$RUN_STDIN"
vs_curl /index.html -s -o /dev/null -w @-
RUN_STDIN=
check_rc 0
((SKIP)) || [[ $(cat "$OUT") == "200|GET" ]] || fail "@-: $(cat "$OUT")"
vs_curl /index.html -s -o /dev/null -w '<%{nosuch}>'
check_rc 0; first_err_same; check_stderr "unknown --write-out variable: 'nosuch'"
end

begin "-D FILE and -D -: every response head (redirect included), as curl"
VS_NORM='/^Date: /d'
vs_curl /old -sL -D heads.txt -o body.html
check_rc 0
((SKIP)) || [[ $(grep -c '^HTTP/1.1 ' "$WF_DIR/heads.txt") == 2 ]] || fail "not two heads in heads.txt"
vs_curl /index.html -s -D - -o /dev/null
check_rc 0
VS_NORM=""
# curl 7.88 crashes here (exit 139): no comparison; wizfetch: a clear error, exit 23.
run -- "${MAIN[@]}" -D "$work/no/such/dir/heads.txt" "$URL/index.html"
check_rc 23; check_msg "cannot open .*heads.txt"
end

begin "--fail-with-body: the 404 body is written, exit 22, as curl (-f writes none)"
vs_curl /missing -s --fail-with-body -o body.html
check_rc 22
((SKIP)) || has '404' "$WF_DIR/body.html" || fail "no body written"
vs_curl /missing -s -f -o body.html
check_rc 22
end

begin "-O, --remote-name-all, --create-dirs, --url: the files curl writes"
vs_curl /index.html -s -O
check_rc 0
((SKIP)) || cmp -s "$WF_DIR/index.html" "$docroot/index.html" || fail "-O: no index.html"
vs_curl /index.html -s --remote-name-all --url "$URL/big.bin"
check_rc 0
((SKIP)) || cmp -s "$WF_DIR/big.bin" "$docroot/big.bin" || fail "--remote-name-all: no big.bin"
vs_curl /index.html -s --create-dirs -o sub/dir/page.html
check_rc 0
((SKIP)) || [[ -f $WF_DIR/sub/dir/page.html ]] || fail "--create-dirs: no sub/dir/page.html"
vs_curl / -s -O -w '%{http_code} %{exitcode} %{url_effective} %{scheme} %{size_download}\n'
check_rc 23; first_err_same
((SKIP)) || [[ $(cat "$OUT") == "000 23   0" ]] || fail "-w after -O failed: $(cat "$OUT")"
end

area transfer
# --- byte ranges: -r and -C (the library's wf_fetch_options.range) ------------------

begin "-r FIRST-LAST, FIRST-, -COUNT: the bytes nginx sends (206), as curl"
vs_curl /big.bin -s -r 0-99 -o a.part
check_rc 0
((SKIP)) || cmp -s "$WF_DIR/a.part" <(head -c 100 "$docroot/big.bin") || fail "0-99: not the first 100 bytes"
vs_curl /big.bin -s -r 1048576- -o b.part
check_rc 0
((SKIP)) || cmp -s "$WF_DIR/b.part" <(tail -c +1048577 "$docroot/big.bin") || fail "1048576-: not the tail"
vs_curl /big.bin -s -r -500 -w '%{http_code} %{size_download}\n' -o c.part
check_rc 0
((SKIP)) || [[ $(cat "$OUT") == "206 500" ]] || fail "-500: $(cat "$OUT")"
((SKIP)) || has '" 206 ' <<<"$WF_SEEN" || fail "nginx did not answer 206: $WF_SEEN"
end

begin "-r: the Range field the server saw, as curl (a server that ignores it: the whole body, exit 0)"
same_as_curl /echo/range -r 5-9
check_rc 0; view_has '\| range=bytes=5-9 \|'
same_as_curl /echo/range -r -7
check_rc 0; view_has '\| range=bytes=-7 \|'
end

begin "-r: a bad range, a list of ranges, -r with -C -> 2, nothing sent"
run -- "${MAIN[@]}" -r 9-5 "$URL/index.html"
check_rc 2; check_msg 'bad -r/--range'
run -- "${MAIN[@]}" -r 0-1,5-6 "$URL/index.html"
check_rc 2; check_msg 'bad -r/--range'
run -- "${MAIN[@]}" -r 0-1 -C 5 "$URL/index.html"
check_rc 2; check_msg '-r and -C'
run -- "${MAIN[@]}" -C x "$URL/index.html"
check_rc 2; check_msg 'bad -C'
check_log 'GET' 0
end

begin "-C - and -C N with -o: the rest appended (206), byte-exact, as curl"
PREP="head -c 1000 '$docroot/big.bin' >big.bin"
vs_curl /big.bin -s -C - -o big.bin
check_rc 0; check_sha "$WF_DIR/big.bin" "$big_sha"
((SKIP)) || has "\" 206 $((big_size - 1000))\$" <<<"$WF_SEEN" || fail "nginx: $WF_SEEN"
PREP="head -c 4096 '$docroot/big.bin' >big.bin"
vs_curl /big.bin -s -C 4096 -o big.bin
check_rc 0; check_sha "$WF_DIR/big.bin" "$big_sha"
PREP=""
end

begin "-C - without a file, and -C - with the file complete (416: exit 0, with -f 22; the file untouched), as curl"
vs_curl /index.html -s -C - -o new.html
check_rc 0
((SKIP)) || cmp -s "$WF_DIR/new.html" "$docroot/index.html" || fail "not index.html"
((SKIP)) || has '" 200 ' <<<"$WF_SEEN" || fail "nginx: $WF_SEEN"
PREP="cp '$docroot/index.html' done.html"
vs_curl /index.html -s -C - -o done.html -w '%{http_code}\n'
check_rc 0
((SKIP)) || cmp -s "$WF_DIR/done.html" "$docroot/index.html" || fail "done.html changed"
vs_curl /index.html -sf -C - -o done.html
check_rc 22
PREP=""
end

begin "-C: a server that ignores the range (200) -> 33 before any body byte, the file untouched, as curl"
same_as_curl /echo/resume -C 10
check_rc 33; view_has '\| range=bytes=10- \|'
((SKIP)) || [[ ! -s $OUT ]] || fail "a body was written"
WF_ONLY=(-S)
same_as_curl /echo/resume -C 10
WF_ONLY=()
check_msg "HTTP server doesn't seem to support byte ranges. Cannot resume."
same_as_curl /fixed-100 -C 100 -w '%{http_code} %{size_download}'
check_rc 0 # a 200 exactly as long as the offset: nothing is missing (curl's "already downloaded")
((SKIP)) || [[ $(cat "$OUT") == "200 0" ]] || fail "-C 100 of 100 bytes: $(cat "$OUT")"
same_as_curl /fixed-100 -C 99
check_rc 33
PREP="printf 'first part' >part.txt"
VS_SIZES=0
vs_curl /chunked.bin -s -C - -o part.txt
VS_SIZES=1
check_rc 33
((SKIP)) || [[ $(cat "$WF_DIR/part.txt") == "first part" ]] || fail "part.txt changed"
PREP=""
end

# --- --retry and its family ----------------------------------------------------------
#
# The echo server's /flaky/K/CODE[/SECONDS] answers CODE K times, then 200, in cycles:
# wizfetch and then curl, each retrying until it succeeds, see the same answers.
# loud_vs_curl PATH ARGS...: as same_as_curl, but without -s: curl's "Warning: ..." and
# "Throwing away ..." lines must be wizfetch's too. An argument holding @F@ names a
# file: $work/N.wf.file for wizfetch, $work/N.curl.file for curl; they must match.
CURL_LOUD=(curl --no-progress-meter --cacert "$pki/root.pem" --resolve "www.example.test:$ECHO_PORT:127.0.0.1")
warnings() { tr '\r' '\n' <"$1" | grep -aE '^(Warning: |Throwing away )'; }
loud_vs_curl() {
  ((SKIP)) && return 0
  local path=$1 mark a
  shift
  local -a wf_args=() curl_args=()
  for a in "$@"; do
    wf_args+=("${a//@F@/$work/$ncase.wf.file}")
    curl_args+=("${a//@F@/$work/$ncase.curl.file}")
  done
  rm -f "$work/$ncase.wf.file" "$work/$ncase.curl.file"
  mark=$(echo_mark)
  run --within 90 -- "${ECHO[@]}" "${wf_args[@]}" "$URL$path"
  WF_VIEW=$(echo_since "$mark")
  mark=$(echo_mark)
  CURL_OUT=$work/$ncase.curl.out
  CURL_ERR=$work/$ncase.curl.err
  timeout -k 5 90 "${CURL_LOUD[@]}" -A "$wf_ua" "${curl_args[@]}" "$ECHO_URL$path" >"$CURL_OUT" 2>"$CURL_ERR"
  CURL_RC=$?
  CURL_VIEW=$(echo_since "$mark")
  [[ $WF_VIEW == "$CURL_VIEW" ]] || fail "server-side views differ: wizfetch [${WF_VIEW//$'\n'/|}], curl [${CURL_VIEW//$'\n'/|}]"
  cmp -s "$OUT" "$CURL_OUT" || fail "stdout differs from curl's"
  ((CURL_RC == RC)) || fail "exit code $RC, curl's $CURL_RC"
  [[ $(warnings "$ERR") == "$(warnings "$CURL_ERR")" ]] ||
    fail "warnings [$(warnings "$ERR" | tr '\n' '|')], curl's [$(warnings "$CURL_ERR" | tr '\n' '|')]"
  if [[ -f $work/$ncase.curl.file || -f $work/$ncase.wf.file ]]; then
    cmp -s "$work/$ncase.wf.file" "$work/$ncase.curl.file" || fail "the -o file differs from curl's"
  fi
}
attempts() { ((SKIP)) && return 0; [[ $(grep -c . <<<"$WF_VIEW") == "$1" ]] || fail "$(grep -c . <<<"$WF_VIEW") requests, expected $1"; }

begin "--retry 2 --retry-delay 1: 503, 503, 200 -> three requests, the 200's body, exit 0, curl's warnings"
loud_vs_curl /flaky/2/503 --retry 2 --retry-delay 1
check_rc 0; attempts 3
check_stderr '^Warning: Problem : HTTP error\. Will retry in 1 seconds\. 2 retries left\.$'
((SKIP)) || has '^GET /flaky/2/503 |' "$OUT" || fail "not the 200's body"
end

begin "--retry with -o: the retried body replaces the earlier one (truncated, 'Throwing away'), as curl"
loud_vs_curl /flaky/1/500 --retry 1 --retry-delay 1 -o @F@
check_rc 0; attempts 2; check_stderr '^Throwing away 8 bytes$'
((SKIP)) || has '^GET /flaky/1/500 |' "$work/$ncase.wf.file" || fail "the file is not the 200's body"
end

begin "--retry: the default backoff (1 s, then 2 s), 502 and 504, as curl"
loud_vs_curl /flaky/2/502 --retry 2 -o @F@
check_rc 0; attempts 3
check_stderr 'Will retry in 1 seconds\. 2 retries left'; check_stderr 'Will retry in 2 seconds\. 1 retries left'
loud_vs_curl /flaky/1/504 --retry 1 -s
check_rc 0; attempts 2; check_no_stderr
end

begin "--retry: Retry-After (429, 2 s) replaces the delay, as curl"
loud_vs_curl /flaky/1/429/2 --retry 1 --retry-delay 1 -o @F@
check_rc 0; attempts 2; check_stderr 'Will retry in 2 seconds'
((SKIP)) || ((ELAPSED_MS >= 1900)) || fail "did not wait 2 s (${ELAPSED_MS} ms)"
end

begin "--retry: 404 is not transient (one request); 503 every time: gives up, the last answer, -f -> 22, as curl"
loud_vs_curl /flaky/1000/404 --retry 3 --retry-delay 1
check_rc 0; attempts 1
loud_vs_curl /flaky/1000/503 --retry 1 --retry-delay 1 -o @F@
check_rc 0; attempts 2
loud_vs_curl /flaky/1000/408 --retry 1 --retry-delay 1 -f
check_rc 22; attempts 2
end

begin "--retry-all-errors: a 404 under -f is retried, as curl"
loud_vs_curl /flaky/1/404 -f --retry 1 --retry-delay 1 --retry-all-errors
check_rc 0; attempts 2; check_stderr '^Warning: Problem \(retrying all errors\)\. Will retry in 1 seconds'
end

begin "--retry-max-time 1: no retry once 1 s has passed (delay 2 s: two requests, not four), as curl"
loud_vs_curl /flaky/1000/503 --retry 3 --retry-delay 2 --retry-max-time 1
check_rc 0; attempts 2
end

begin "--retry: connection refused only with --retry-connrefused; a timeout always (-m 1), as curl"
for extra in "" --retry-connrefused; do
  ((SKIP)) && break
  # shellcheck disable=SC2086 # one word or none
  run -- "${REFUSED[@]}" --retry 1 --retry-delay 1 $extra "$URL/index.html"
  # shellcheck disable=SC2086
  curl --no-progress-meter --retry 1 --retry-delay 1 $extra "https://127.0.0.1:$REFUSED_PORT/" >/dev/null 2>"$work/$ncase.curl.err"
  CURL_RC=$?
  ((RC == 7 && CURL_RC == 7)) || fail "refused ($extra): exit $RC, curl's $CURL_RC"
  [[ $(warnings "$ERR") == "$(warnings "$work/$ncase.curl.err")" ]] ||
    fail "refused ($extra): warnings [$(warnings "$ERR" | tr '\n' '|')], curl's [$(warnings "$work/$ncase.curl.err" | tr '\n' '|')]"
done
check_stderr '^Warning: Problem : connection refused\. Will retry in 1 seconds\. 1 retries $'
check_stderr '^Warning: left\.$'
run -- "${MUTE[@]}" --retry 1 --retry-delay 1 -m 1 "$URL/index.html"
curl --no-progress-meter --retry 1 --retry-delay 1 -m 1 -k "https://127.0.0.1:$MUTE_PORT/" >/dev/null 2>"$work/$ncase.curl.err"
CURL_RC=$?
((SKIP)) || ((RC == 28 && CURL_RC == 28)) || fail "timeout: exit $RC, curl's $CURL_RC"
((SKIP)) || [[ $(warnings "$ERR") == "$(warnings "$work/$ncase.curl.err")" ]] || fail "timeout: warnings differ: $(warnings "$ERR")"
check_stderr '^Warning: Problem : timeout\. Will retry in 1 seconds\. 1 retries left\.$'
end

begin "--retry: a streamed body (--data-binary @file) is sent again whole; standard input (-T -) is not retried"
loud_vs_curl /flaky/1/503 --retry 1 --retry-delay 1 --data-binary @"$work/64k.bin"
check_rc 0; attempts 2
((SKIP)) || [[ $(grep -c "body=65536 sha256=$sha64k" <<<"$WF_VIEW") == 2 ]] || fail "the body was not sent whole twice"
RUN_STDIN=$work/64k.bin
mark=$(echo_mark)
run -- "${ECHO[@]}" --retry 1 --retry-delay 1 -T - -o /dev/null "$URL/flaky/1000/503"
RUN_STDIN=
check_rc 0; check_msg 'not retried: the request body cannot be read again'
((SKIP)) || [[ $(echo_since "$mark" | grep -c .) == 1 ]] || fail "sent $(echo_since "$mark" | grep -c .) times"
end

begin "--retry: bad values -> 2"
run -- "${MAIN[@]}" --retry x "$URL/index.html"
check_rc 2; check_msg 'bad --retry'
run -- "${MAIN[@]}" --retry-delay 1.5 "$URL/index.html"
check_rc 2; check_msg 'bad --retry-delay'
end

# --- the progress meter and bar -------------------------------------------------------
#
# The echo server's /slow sends 30000 bytes in three parts, a second apart. Timings
# differ between the two programs: the meter's shape is compared, and the figures that
# do not depend on time (percentages and sizes) exactly.
# (wizfetch's own stderr lines, "* server certificate..." and "< " head lines, may
# follow a meter line without a newline: a meter line is its first 78 columns.)
meter_lines() { tr '\r' '\n' <"$1" | grep -aE '^ *[0-9]+ +[0-9.kMGTP]+ +[0-9]+ ' | cut -c1-78; }
meter_shape='^ {0,2}[0-9]{1,3} [ 0-9.kMGTP]{5}  [ 0-9]{3} [ 0-9.kMGTP]{5}  [ 0-9]{3} [ 0-9.kMGTP]{5}  [ 0-9.kMGTP]{5}  [ 0-9.kMGTP]{5} ([ 0-9:d-]{8} ){3}[ 0-9.kMGTP]{5}$'
begin "progress meter on stderr with -o: curl's header, a line a second, 100% at the end; the same as curl's"
loud_vs_curl /slow -o @F@
check_rc 0
if ((!SKIP)); then
  # loud_vs_curl ran curl without its meter: once more with it.
  timeout 30 curl --cacert "$pki/root.pem" --resolve "www.example.test:$ECHO_PORT:127.0.0.1" -o /dev/null \
    "$ECHO_URL/slow" 2>"$work/$ncase.curl.meter"
  [[ $(head -n 2 "$ERR") == "$(head -n 2 "$work/$ncase.curl.meter")" ]] || fail "header lines differ from curl's"
  n=$(meter_lines "$ERR" | wc -l)
  ((n >= 3)) || fail "$n meter lines (start, seconds, end expected)"
  bad=$(meter_lines "$ERR" | grep -cvE "$meter_shape")
  ((bad == 0)) || fail "$bad meter lines not in curl's shape: $(meter_lines "$ERR" | grep -vE "$meter_shape" | head -1)"
  [[ $(meter_lines "$ERR" | tail -n 1 | cut -c1-31) == "$(meter_lines "$work/$ncase.curl.meter" | tail -n 1 | cut -c1-31)" ]] ||
    fail "last line '$(meter_lines "$ERR" | tail -n 1)', curl's '$(meter_lines "$work/$ncase.curl.meter" | tail -n 1)'"
  [[ $(tail -c 1 "$ERR" | od -An -c | tr -d ' ') == '\n' ]] || fail "no newline after the meter"
fi
end

begin "no meter with -s or --no-progress-meter, as curl"
run -- -s "${ECHO[@]}" -o "$work/$ncase.body" "$URL/index"
check_rc 0; check_no_stderr
run -- "${ECHO[@]}" --no-progress-meter -o "$work/$ncase.body" "$URL/index"
check_rc 0
((SKIP)) || ! grep -q 'Dload' "$ERR" || fail "a meter with --no-progress-meter"
end

# tty_run FILE CMD...: run CMD under a pseudo-terminal (script), its output (stdout and
# stderr) into FILE.
tty_run() {
  local file=$1
  shift
  timeout -k 5 30 script -qec "$(printf '%q ' "$@")" /dev/null </dev/null >"$file" 2>&1
}
begin "the body to the terminal: no meter; -o under the terminal: a meter (pseudo-terminal), as curl"
if ((!SKIP)); then
  tty_run "$work/$ncase.tty1" "$bin" "${ECHO[@]}" "$URL/index"
  tty_run "$work/$ncase.tty2" curl --cacert "$pki/root.pem" --resolve "www.example.test:$ECHO_PORT:127.0.0.1" "$ECHO_URL/index"
  ! grep -q Dload "$work/$ncase.tty1" || fail "wizfetch showed a meter with the body on the terminal"
  ! grep -q Dload "$work/$ncase.tty2" || fail "curl showed a meter with the body on the terminal (the rule changed?)"
  grep -q '^GET /index |' "$work/$ncase.tty1" || fail "no body on the terminal"
  tty_run "$work/$ncase.tty3" "$bin" "${ECHO[@]}" -o "$work/$ncase.body" "$URL/slow"
  tty_run "$work/$ncase.tty4" curl --cacert "$pki/root.pem" --resolve "www.example.test:$ECHO_PORT:127.0.0.1" -o "$work/$ncase.body" "$ECHO_URL/slow"
  grep -q Dload "$work/$ncase.tty3" || fail "wizfetch showed no meter with -o on the terminal"
  grep -q Dload "$work/$ncase.tty4" || fail "curl showed no meter with -o on the terminal"
  tty_run "$work/$ncase.tty5" "$bin" "${ECHO[@]}" -s -o "$work/$ncase.body" "$URL/slow"
  ! grep -q Dload "$work/$ncase.tty5" || fail "a meter under -s"
fi
end

begin "-#/--progress-bar: '#' over the width less 7, 100.0% and a newline at the end, as curl"
if ((!SKIP)); then
  COLUMNS=40 run -- -# "${ECHO[@]}" -o "$work/$ncase.body" "$URL/slow"
  check_rc 0
  COLUMNS=40 timeout 30 curl -# --cacert "$pki/root.pem" --resolve "www.example.test:$ECHO_PORT:127.0.0.1" -o /dev/null \
    "$ECHO_URL/slow" 2>"$work/$ncase.curl.bar"
  last=$(tr '\r' '\n' <"$ERR" | grep -a '%' | tail -n 1)
  curl_last=$(tr '\r' '\n' <"$work/$ncase.curl.bar" | grep -a '%' | tail -n 1)
  [[ -n $last && $last == "$curl_last" ]] || fail "last bar '$last', curl's '$curl_last'"
  [[ $last == "$(printf '%33s' '' | tr ' ' '#') 100.0%" ]] || fail "not 33 '#' and 100.0%: '$last'"
  tr '\r' '\n' <"$ERR" | has -aE '^#{1,32} +[ 0-9]{2}\.[0-9]%$' || fail "no bar part-way"
  [[ $(tail -c 1 "$ERR" | od -An -c | tr -d ' ') == '\n' ]] || fail "no newline after the bar"
fi
end

# The command line itself.
begin "--version"
run -- --version
check_rc 0
((SKIP)) || [[ -s $OUT || -s $ERR ]] || fail "printed nothing"
end

begin "-h"
run -- -h
check_rc 0
((SKIP)) || has -- '--cacert' "$OUT" "$ERR" || fail "help does not mention --cacert"
for o in -S,\ --show-error -w,\ --write-out -D,\ --dump-header --fail-with-body -O,\ --remote-name --remote-name-all \
  --create-dirs --url -r,\ --range -C,\ --continue-at --retry --retry-delay --retry-max-time --retry-all-errors \
  --retry-connrefused -#,\ --progress-bar --no-progress-meter; do
  ((SKIP)) || has -- "  $o " "$OUT" || fail "help does not mention $o"
done
end

summary ""
