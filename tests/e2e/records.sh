#!/usr/bin/env bash
# tests/e2e/records.sh WIZFETCH_SMALLREC_BINARY -- small TLS records on the host: the
# wizfetch command built with WF_TLS_SMALL_RECORDS (a 4 KiB input record; the build's
# wizfetch-smallrec) against real servers, each sending a 20000-byte body (/20k.bin), which a
# server sends in 16 KiB records unless the client's request for smaller ones is honoured:
#   nginx, TLS 1.2 only           max_fragment_length honoured -> the body, byte for byte
#   gnutls-serv, TLS 1.3 only     record_size_limit honoured (the command with --tlsv1.3
#                                 sends no max_fragment_length) -> the body; and offering
#                                 TLS 1.2 too (both extensions; GnuTLS takes the limit)
#   openssl s_server, TLS 1.3     OpenSSL 3.0 ignores record_size_limit: with --tlsv1.3
#                                 (no max_fragment_length) it sends a 16 KiB record ->
#                                 exit 35 with the cause and the fix on stderr, in bounded
#                                 time (no hang); the same server with the ordinary
#                                 command (WIZFETCH_BINARY next to it) -> the body
# Prints "ok - NAME" or "not ok - NAME: WHY" per case, then "N passed, M failed".
# Exit: 0 all passed, 1 a case failed, 2 the set-up failed.
# Environment: WF_PKI_DIR (default BUILD/pki next to the binary's apps/ directory),
#              E2E_ONLY (regex of the cases to run), TS_KEEP=1 keep the temp dir.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/wizfetch_setup.sh
source "$here/wizfetch_setup.sh" "$@" # bin, repo, pki, setup_failed; scripts/test-servers.sh
# shellcheck source=SCRIPTDIR/harness.sh
source "$here/harness.sh" # begin, fail, end, summary (E2E_ONLY)
plain_bin=$(dirname "$bin")/wizfetch
[[ -x $plain_bin ]] || setup_failed "no ordinary wizfetch next to $bin"
command -v gnutls-serv >/dev/null || setup_failed "gnutls-serv not found (Debian package gnutls-bin)"

ts_init
ts_start_nginx "$pki" || setup_failed nginx
ts_start_gnutls13 GNUTLS_PORT "$pki" || setup_failed gnutls-serv
ts_start_s_server13 S_SERVER_PORT "$pki" || setup_failed "openssl s_server"
OUT=$TS_DIR/body.out
ERR=$TS_DIR/wizfetch.err
want=$TS_DOCROOT/20k.bin

# fetch BINARY PORT ARGS...: GET https://www.example.test/20k.bin through the chip model,
# 10.0.0.1:443 mapped to the loopback PORT; sets RC and SECONDS_TAKEN.
fetch() {
  local b=$1 port=$2 t0
  shift 2
  t0=$SECONDS
  timeout --foreground -k 5 60 "$b" -sS --cacert "$pki/root.pem" --resolve www.example.test:443:10.0.0.1 \
    --map "10.0.0.1:443=127.0.0.1:$port" -o "$OUT" "$@" https://www.example.test/20k.bin 2>"$ERR"
  RC=$?
  SECONDS_TAKEN=$((SECONDS - t0))
}
body_ok() { # the fetch got the whole body, byte for byte
  ((RC == 0)) || fail "exit $RC ($(tail -n 1 "$ERR"))"
  cmp -s "$want" "$OUT" || fail "the body differs from the served file"
}
case_on_fail() { sed 's/^/#   /' "$ERR" | tail -n 5; }

begin "small records, nginx TLS 1.2: max_fragment_length honoured -> the 20000-byte body"
fetch "$bin" "${NGINX_PORT[tls12]}" -v
body_ok
grep -q 'TLSv1\.2' "$ERR" || fail "not TLS 1.2 (-v)"
end

begin "small records, gnutls-serv TLS 1.3 (--tlsv1.3): record_size_limit honoured -> the body"
fetch "$bin" "$GNUTLS_PORT" --tlsv1.3 -v
body_ok
grep -q 'TLSv1\.3' "$ERR" || fail "not TLS 1.3 (-v)"
end

begin "small records, gnutls-serv TLS 1.3 offered both extensions -> the body"
fetch "$bin" "$GNUTLS_PORT"
body_ok
end

begin "small records, s_server TLS 1.3 honours neither: a 16 KiB record -> exit 35, cause and fix, no hang"
fetch "$bin" "$S_SERVER_PORT" --tlsv1.3
((RC == 35)) || fail "exit $RC, not 35"
grep -q 'TLS record too large for the input buffer: server ignores max_fragment_length/record_size_limit' "$ERR" ||
  fail "no cause on stderr: $(tail -n 1 "$ERR")"
grep -q 'needs a 16 KiB build' "$ERR" || fail "no fix on stderr"
((SECONDS_TAKEN <= 20)) || fail "took ${SECONDS_TAKEN} s"
end

begin "16 KiB records (ordinary build), the same s_server -> the body"
fetch "$plain_bin" "$S_SERVER_PORT" --tlsv1.3
body_ok
end

summary
