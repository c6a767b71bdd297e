#!/usr/bin/env bash
# tests/e2e/ota.sh WF_OTA_FETCH_BINARY -- the firmware image download
# (include/wizfetch/ota_download.h) end to end, through the modelled W5100.
#
# wf-ota-fetch (apps/wf-ota-fetch) downloads a URL into a file that stands for the
# slot; every successful case compares the file's SHA-256 with the served file's.
# Servers on 127.0.0.1 (scripts/test-servers.sh):
#   nginx    plain http and https (the test PKI's RSA chain, TLS 1.2 + 1.3): the
#            whole image, pieces of 4 KiB over one kept connection (nginx's
#            $connection and $connection_requests in its log), an image larger than
#            the slot (refused before the first write: the file stays empty), 404
#   ota_server.py  (tests/e2e/ota_server.py) ranges, ETag, Last-Modified and If-Range,
#            and on request: the connection cut (FIN or RST) after N body bytes the
#            first time, or held silent then (one request's time-out),
#            another image from the second request on (with and without honouring
#            If-Range), Range ignored, a weak ETag, no ETag, bytes beyond Content-Length
#   dnsmasq  www.example.test = 10.0.0.1, for the https cases
#
# Prints "ok - NAME" or "not ok - NAME: WHY" per case (with the program's last
# stderr lines as "#" comments on failure), then "N passed, M failed".
# Exit: 0 all passed, 1 a case failed, 2 the set-up failed.
# Environment: WF_PKI_DIR (default BUILD/pki next to the binary's apps/ directory),
#              E2E_ONLY (regex of the cases to run), TS_KEEP=1 keep the temp dir.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/wizfetch_setup.sh
source "$here/wizfetch_setup.sh" "$@" # bin, repo, pki, setup_failed; scripts/test-servers.sh
# shellcheck source=SCRIPTDIR/harness.sh
source "$here/harness.sh" # begin, fail, end, summary (E2E_ONLY)

ts_init
dir=$TS_DIR/nginx-ota
img=$TS_DIR/img
mkdir -p "$dir" "$img"
chmod 755 "$img"
head -c 300000 /dev/urandom >"$img/image.bin"
head -c 300000 /dev/urandom >"$img/image.bin.v2" # ota_server.py's "changed" image
head -c 70000 /dev/urandom >"$img/small.bin"
chmod 644 "$img"/*

ota_servers() {
  cat <<EOF
  log_format ota '\$server_port "\$request" range=\$http_range if-range=\$http_if_range \$status \$body_bytes_sent conn=\$connection req=\$connection_requests';
  access_log $dir/access.log ota;
  keepalive_timeout 5s;
  server { # plain
    listen 127.0.0.1:${PORT[plain]};
    root $img;
  }
  server { # tls
    listen 127.0.0.1:${PORT[tls]} ssl;
    server_name www.example.test;
    ssl_certificate $pki/rsa-chain.pem;
    ssl_certificate_key $pki/rsa.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $img;
  }
EOF
}
declare -A PORT=()
ts_start_nginx_with PORT "$dir" ota_servers plain tls || setup_failed nginx
ts_start_dnsmasq DNS_PORT || setup_failed dnsmasq
OTA_LOG=$TS_DIR/ota-server.log
: >"$OTA_LOG"
ts__launch ota tcp OTA_PORT "$TS_DIR/ota-server.out" -- \
  python3 "$here/ota_server.py" @PORT@ "$img" "$OTA_LOG" || setup_failed "ota_server.py"

RC=- SIZE=- TOTAL=- REQUESTS=- RESUMES=- RESTARTS=- STATUS=- # set by get (skipped cases: unset)
OUT=$TS_DIR/image.out
STDOUT=$TS_DIR/stdout
ERR=$TS_DIR/stderr
case_on_fail() {
  sed 's/^/#   stdout: /' "$STDOUT"
  tail -n 5 "$ERR" | sed 's/^/#   stderr: /'
}

# get SERVER URL ARGS...: wf-ota-fetch URL into $OUT, SERVER's port behind
# 10.0.0.1:8080 (plain, ota) or www.example.test:443 (tls). Sets RC and the counters
# (SIZE TOTAL REQUESTS RESUMES RESTARTS STATUS) from its stdout.
get() {
  ((SKIP)) && return 0
  local server=$1 url=$2
  shift 2
  local -a net=()
  case $server in
    plain) net=(--map "10.0.0.1:8080=127.0.0.1:${PORT[plain]}") ;;
    ota) net=(--map "10.0.0.1:8080=127.0.0.1:$OTA_PORT") ;;
    tls)
      net=(--cacert "$pki/root.pem" --dns 10.0.0.53 --map "10.0.0.53:53=127.0.0.1:$DNS_PORT"
        --map "10.0.0.1:443=127.0.0.1:${PORT[tls]}")
      ;;
  esac
  rm -f "$OUT"
  SIZE=- TOTAL=- REQUESTS=- RESUMES=- RESTARTS=- STATUS=-
  timeout --foreground -k 5 60 "$bin" "${net[@]}" "$@" "$url" "$OUT" >"$STDOUT" 2>"$ERR"
  RC=$?
  read -r _ SIZE _ TOTAL _ REQUESTS _ RESUMES _ RESTARTS _ STATUS <"$STDOUT"
  grep -q "chip-model violation" "$ERR" && WHY+=("the W5100 model recorded violations")
  return 0
}

expect() { # NAME VALUE WANT
  ((SKIP)) && return 0
  [[ $2 == "$3" ]] || WHY+=("$1 $2, expected $3")
}

# same_as FILE: $OUT holds exactly FILE's bytes (SHA-256).
same_as() {
  ((SKIP)) && return 0
  local a b
  a=$(sha256sum <"$1" | cut -d' ' -f1)
  b=$(sha256sum <"$OUT" 2>/dev/null | cut -d' ' -f1)
  [[ $a == "$b" ]] || WHY+=("the file's SHA-256 differs from $(basename "$1")'s ($(stat -c %s "$OUT" 2>/dev/null) bytes)")
}

failed_with() { # CODE: exit 1 with that error name on stderr
  ((SKIP)) && return 0
  expect "exit code" "$RC" 1
  grep -q "^wf-ota-fetch: $1:" "$ERR" || WHY+=("stderr does not name $1: $(tail -n 1 "$ERR")")
}

# ota_log N: the N-th line ota_server.py logged in this case (from 1); nginx_log: the
# lines nginx logged in this case.
ota_log() { sed -n "$((OTA_MARK + $1))p" "$OTA_LOG"; }
nginx_log() { tail -n +"$((NGINX_MARK + 1))" "$dir/access.log"; }
case_on_begin() {
  OTA_MARK=$(wc -l <"$OTA_LOG")
  NGINX_MARK=$(wc -l <"$dir/access.log")
}
# The connections nginx saw in this case.
nginx_connections() { nginx_log | sed -n 's/.* conn=\([0-9]*\) .*/\1/p' | sort -u | wc -l; }

U=http://10.0.0.1:8080
S=https://www.example.test

# --- nginx ----------------------------------------------------------------------------

begin "nginx http: the whole image in one request"
get plain "$U/image.bin"
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect requests "$REQUESTS" 1
expect "size/total" "$SIZE/$TOTAL" 300000/300000
end

begin "nginx http: pieces of 4 KiB, one request each, over one kept connection"
get plain "$U/image.bin" --piece 4096
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect requests "$REQUESTS" 74 # 300000 / 4096, rounded up
if ((!SKIP)); then
  sleep 0.2 # nginx writes its log line after the response
  expect "nginx connections" "$(nginx_connections)" 1
  expect "nginx 206 answers" "$(nginx_log | grep -c ' range=bytes=[0-9]*-[0-9]* if-range=.* 206 ')" 74
  nginx_log | sed -n 2p | has 'range=bytes=4096-8191 if-range=[^-]' || WHY+=("the second piece: $(nginx_log | sed -n 2p)")
  nginx_log | tail -n 1 | has 'range=bytes=299008-299999 ' || WHY+=("the last piece: $(nginx_log | tail -n 1)")
fi
end

begin "nginx https: the whole image (test PKI)"
get tls "$S/image.bin"
expect "exit code" "$RC" 0
same_as "$img/image.bin"
end

begin "nginx https: pieces of 4 KiB over one TLS connection"
get tls "$S/image.bin" --piece 4096
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect requests "$REQUESTS" 74
((SKIP)) || { sleep 0.2; expect "nginx connections" "$(nginx_connections)" 1; }
end

for piece in 0 4096; do
  begin "nginx: an image larger than the slot is refused before the first write (piece $piece)"
  get plain "$U/image.bin" --capacity 299999 --piece $piece
  failed_with WF_EOTA_TOOBIG
  ((SKIP)) || [[ -f $OUT && ! -s $OUT ]] || WHY+=("the file is not empty ($(stat -c %s "$OUT" 2>/dev/null) bytes)")
  expect "size" "$SIZE" 0
  end
done

begin "nginx: an image of exactly the slot's size fits"
get plain "$U/image.bin" --capacity 300000 --piece 65536
expect "exit code" "$RC" 0
same_as "$img/image.bin"
end

begin "nginx: 404 is an error with the status"
get plain "$U/missing.bin"
failed_with WF_EHTTP_STATUS
expect status "$STATUS" 404
((SKIP)) || [[ ! -s $OUT ]] || WHY+=("the file is not empty")
end

# --- ota_server.py: cuts, changed images, servers without ranges --------------------------

begin "cut mid-body: resumed with Range from the first byte not written, If-Range the ETag"
get ota "$U/image.bin?drop=123457"
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "requests/resumes/restarts" "$REQUESTS/$RESUMES/$RESTARTS" 2/1/0
if ((!SKIP)); then
  ota_log 1 | has ' 200 bytes=123457 cut$' || WHY+=("first: $(ota_log 1)")
  ota_log 2 | has ' range=bytes=123457- if-range="[0-9a-f]*" -> 206 bytes=176543$' || WHY+=("second: $(ota_log 2)")
fi
end

begin "reset mid-body (RST): resumed"
get ota "$U/image.bin?reset=77777"
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "requests/resumes/restarts" "$REQUESTS/$RESUMES/$RESTARTS" 2/1/0
((SKIP)) || ota_log 2 | has ' range=bytes=77777- if-range="[0-9a-f]*" -> 206' || WHY+=("second: $(ota_log 2)")
end

begin "a request that stalls mid-body runs out of its time (--request-timeout 1000): resumed"
get ota "$U/image.bin?stall=33333" --request-timeout 1000
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "requests/resumes/restarts" "$REQUESTS/$RESUMES/$RESTARTS" 2/1/0
((SKIP)) || ota_log 2 | has ' range=bytes=33333- if-range="[0-9a-f]*" -> 206' || WHY+=("second: $(ota_log 2)")
end

begin "cut mid-piece: the piece resumes where the bytes stopped"
get ota "$U/image.bin?drop=1000" --piece 65536
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "resumes/restarts" "$RESUMES/$RESTARTS" 1/0
((SKIP)) || ota_log 2 | has ' range=bytes=1000-66535 if-range="' || WHY+=("second: $(ota_log 2)")
end

begin "cut mid-body, Last-Modified only: resumed with If-Range the date"
get ota "$U/image.bin?drop=50000&noetag=1"
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "resumes/restarts" "$RESUMES/$RESTARTS" 1/0
((SKIP)) || ota_log 2 | has ' range=bytes=50000- if-range=Sun, 06 Dec 2026 10:00:00 GMT -> 206' ||
  WHY+=("second: $(ota_log 2)")
end

begin "cut mid-body, only a weak ETag: no validator, started over at 0"
get ota "$U/image.bin?drop=50000&weak=1&nolm=1"
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "resumes/restarts" "$RESUMES/$RESTARTS" 0/1
((SKIP)) || ota_log 2 | has ' range=- if-range=- -> 200 bytes=300000$' || WHY+=("second: $(ota_log 2)")
end

begin "the image changed between the tries: If-Range gets the new one whole, written from 0"
get ota "$U/image.bin?drop=100000&change=1"
expect "exit code" "$RC" 0
same_as "$img/image.bin.v2"
expect "requests/resumes/restarts" "$REQUESTS/$RESUMES/$RESTARTS" 2/1/1 # the resume asked; the answer restarted
((SKIP)) || ota_log 2 | has ' range=bytes=100000- if-range="[0-9a-f]*" -> 200 bytes=300000$' ||
  WHY+=("second: $(ota_log 2)")
end

begin "the image changed and the server ignores If-Range: its other ETag starts the download over"
get ota "$U/image.bin?drop=100000&change=1&noifrange=1"
expect "exit code" "$RC" 0
same_as "$img/image.bin.v2"
expect "requests/resumes/restarts" "$REQUESTS/$RESUMES/$RESTARTS" 3/1/1
((SKIP)) || ota_log 3 | has ' range=- if-range=- -> 200 bytes=300000$' || WHY+=("third: $(ota_log 3)")
end

begin "a server that ignores Range: its 200 after a cut is written from 0, never appended"
get ota "$U/image.bin?drop=100000&norange=1"
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "requests/resumes/restarts" "$REQUESTS/$RESUMES/$RESTARTS" 2/1/1
((SKIP)) || ota_log 2 | has ' range=bytes=100000- if-range="[0-9a-f]*" -> 200 bytes=300000$' ||
  WHY+=("second: $(ota_log 2)")
end

begin "a server that ignores Range, with pieces: the first 200 is the whole image"
get ota "$U/image.bin?norange=1" --piece 4096
expect "exit code" "$RC" 0
same_as "$img/image.bin"
expect "requests/restarts" "$REQUESTS/$RESTARTS" 1/0
end

begin "bytes beyond Content-Length are not written"
get ota "$U/small.bin?extra=5000"
expect "exit code" "$RC" 0
same_as "$img/small.bin"
((SKIP)) || ota_log 1 | has ' 200 bytes=75000$' || WHY+=("the server did not send the extra bytes: $(ota_log 1)")
end

begin "a cut with no resumes allowed (--max-resumes 0): the drop's error"
get ota "$U/image.bin?drop=1000&case=noresume" --max-resumes 0
failed_with WF_EHTTP_SHORT
expect requests "$REQUESTS" 1
end

begin "bad arguments: exit 2, no file made; an output file that cannot be made: exit 3"
if ((!SKIP)); then
  for args in "--capacity 12x" "--piece" "--max-resumes 300" "--map nonsense" "--frobnicate 1" "$U/image.bin"; do
    rm -f "$OUT"
    # shellcheck disable=SC2086 # the words of $args are the arguments
    timeout -k 5 20 "$bin" $args "$U/image.bin" "$OUT" >"$STDOUT" 2>"$ERR"
    rc=$?
    ((rc == 2)) || WHY+=("'$args': exit code $rc, expected 2")
    [[ -e $OUT ]] && WHY+=("'$args': the file was made")
    grep -q '^usage: wf-ota-fetch' "$ERR" || WHY+=("'$args': no usage line")
  done
  timeout -k 5 20 "$bin" --map "10.0.0.1:8080=127.0.0.1:${PORT[plain]}" "$U/image.bin" "$TS_DIR/no/such/dir/out" \
    >"$STDOUT" 2>"$ERR"
  expect "exit code (no such directory)" "$?" 3
fi
end

summary ""
