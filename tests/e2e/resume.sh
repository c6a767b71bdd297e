#!/usr/bin/env bash
# tests/e2e/resume.sh WIZFETCH_BINARY -- TLS session resumption of the wizfetch command
# against nginx, with curl as the reference.
#
# `wizfetch -v URL1 URL2 ...` fetches the URLs one after the other with one TLS
# context. nginx closes after every response (keepalive_timeout 0), so every URL
# is a new connection, and says in the X-Reused header whether it resumed the
# session ($ssl_session_reused: "r" resumed, "." full handshake). Each case checks,
# per connection, what the server says against what `-v` says:
#   "* SSL re-using session ID"   (curl's line) the handshake offered a kept session
#   "tls: TLSv1.3, ..., session resumed"   the server resumed it
# and, where the options are curl's too, that `curl URL1 URL2 ...` gets the same
# X-Reused answers from the same nginx.
#
# nginx server blocks (each serves www.example.test and other.example.test,
# every certificate valid for its name, one ticket key for both names so that a
# ticket offered to the wrong name would be accepted):
#   tls13   TLS 1.3, tickets           tls12    TLS 1.2, tickets
#   tls12id TLS 1.2, session IDs only  short    TLS 1.2 + 1.3, sessions live 2 s;
#                                               /slow sends 4000 bytes at 1000 B/s
#
# Prints "ok - NAME" (and the last -v lines of the run, what the kept sessions cost and
# the mbedTLS heap peak, as "#" lines) or
# "not ok - NAME: WHY" per case, then "N passed, M failed".
# Exit: 0 all passed, 1 a case failed, 2 the set-up failed.
# Environment: WF_PKI_DIR (default BUILD/pki next to the binary's apps/ directory),
#              E2E_ONLY (regex of the cases to run), TS_KEEP=1 keep the temp dir.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/wizfetch_setup.sh
source "$here/wizfetch_setup.sh" "$@" # bin, repo, pki, setup_failed; scripts/test-servers.sh
command -v curl >/dev/null || setup_failed "curl not found"

ts_init
dir=$TS_DIR/nginx-resume
mkdir -p "$dir/tmp"
openssl rand 80 >"$dir/ticket.key" || setup_failed "ticket key"
head -c 4000 /dev/zero >"$dir/slow.bin"

start_nginx() {
  local try pid name
  # name  protocols  extra directives
  local -a blocks=(
    "tls13|TLSv1.3|ssl_session_tickets on;"
    "tls12|TLSv1.2|ssl_session_tickets on;"
    "tls12id|TLSv1.2|ssl_session_tickets off;"
    "short|TLSv1.2 TLSv1.3|ssl_session_tickets on; ssl_session_timeout 2s; location = /slow { limit_rate 1000; alias $dir/slow.bin; }"
  )
  for ((try = 0; try < 5; try++)); do
    declare -gA PORT=()
    local b name protos extra
    {
      [[ $(id -u) -eq 0 ]] && echo "user root;"
      cat <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 64; }
http {
  log_format wf '\$server_port \$ssl_server_name \$ssl_protocol \$ssl_session_reused "\$request" \$status';
  access_log $dir/access.log wf;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_timeout 0;
  server_tokens off;
  ssl_session_cache shared:SSL:1m;
  ssl_session_ticket_key $dir/ticket.key;
EOF
      for b in "${blocks[@]}"; do
        IFS='|' read -r name protos extra <<<"$b"
        ts_free_port "PORT[$name]" || return 1
        local sn cert key
        for sn in www other; do
          if [[ $sn == www ]]; then cert=rsa-chain.pem key=rsa.key; else cert=wrongname-chain.pem key=wrongname.key; fi
          cat <<EOF
  server { # $name $sn
    listen 127.0.0.1:${PORT[$name]} ssl;
    server_name $sn.example.test;
    ssl_certificate $pki/$cert;
    ssl_certificate_key $pki/$key;
    ssl_protocols $protos;
    $extra
    add_header X-Reused \$ssl_session_reused always;
    location / { return 200 "ok\\n"; }
  }
EOF
        done
      done
      echo "}"
    } >"$dir/nginx.conf"
    nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" </dev/null >>"$dir/stdout.log" 2>&1 &
    pid=$!
    if ts__wait_listen "$pid" tcp "${PORT[@]}"; then
      TS_PIDS+=("$pid")
      return 0
    fi
    ts__stop_pid "$pid"
  done
  tail -n 20 "$dir/error.log" >&2
  return 1
}
start_nginx || setup_failed nginx

passed=0
failed=0
WHY=()
OUT=$TS_DIR/wizfetch.out
ERR=$TS_DIR/wizfetch.err
CONNS=$TS_DIR/connections
CURL_ERR=$TS_DIR/curl.err

begin() {
  CASE=$1
  WHY=()
  SKIP=0
  if [[ -n ${E2E_ONLY:-} ]] && ! [[ $CASE =~ $E2E_ONLY ]]; then SKIP=1; fi
}

# What -v says per connection (a new one starts at "tls: handshake with"), one line
# each: "fetch N: version V offered yes|no resumed yes|no x-reused r|.|-".
connections() {
  awk '
    /\] tls: handshake with / { n++; off[n] = "no"; res[n] = "no"; ver[n] = "-"; xr[n] = "-" }
    n && /^\* SSL re-using session ID$/ { off[n] = "yes" }
    n && /\] tls: TLSv1\.[23], / {
      match($0, /TLSv1\.[23]/); ver[n] = substr($0, RSTART, RLENGTH)
      if ($0 ~ /, session resumed$/) res[n] = "yes"
    }
    n && /^< X-Reused: / { xr[n] = $3 }
    END { for (i = 1; i <= n; i++) printf "fetch %d: version %s offered %s resumed %s x-reused %s\n", i, ver[i], off[i], res[i], xr[i] }
  ' "$ERR" >"$CONNS"
}

# fetch SERVER ARGS... : wizfetch -v with both names resolved to 10.0.0.1:443, which
# the chip model maps to SERVER's loopback port. Sets RC and ELAPSED_MS.
fetch() {
  ((SKIP)) && return 0
  local server=$1 t0
  shift
  t0=$(date +%s%N)
  timeout --foreground -k 5 60 "$bin" -v --cacert "$pki/root.pem" \
    --resolve www.example.test:443:10.0.0.1 --resolve other.example.test:443:10.0.0.1 \
    --map "10.0.0.1:443=127.0.0.1:${PORT[$server]}" "$@" >"$OUT" 2>"$ERR"
  RC=$?
  ELAPSED_MS=$((($(date +%s%N) - t0) / 1000000))
  grep -q "chip-model violation" "$ERR" && WHY+=("the W5100 model recorded violations")
  connections
}

# curl_reused WANT SERVER ARGS... : curl -v with the same arguments (the URLs get
# SERVER's port) says X-Reused WANT ("." / "r", space-separated, in order).
curl_reused() {
  ((SKIP)) && return 0
  local want=$1 server=$2 a got
  shift 2
  local -a args=()
  for a in "$@"; do
    if [[ $a =~ ^https://([^/]+)(/.*)$ ]]; then a="https://${BASH_REMATCH[1]}:${PORT[$server]}${BASH_REMATCH[2]}"; fi
    args+=("$a")
  done
  timeout -k 5 60 curl -sS -v --cacert "$pki/root.pem" \
    --resolve "www.example.test:${PORT[$server]}:127.0.0.1" \
    --resolve "other.example.test:${PORT[$server]}:127.0.0.1" "${args[@]}" >/dev/null 2>"$CURL_ERR"
  local crc=$?
  ((crc == 0)) || WHY+=("curl exit code $crc")
  got=$(sed -n 's/^< [Xx]-[Rr]eused: \([^[:space:]]*\).*/\1/p' "$CURL_ERR" | paste -sd' ')
  [[ $got == "$want" ]] || WHY+=("curl (reference): X-Reused '$got', expected '$want'")
}

check_rc() {
  ((SKIP)) && return 0
  [[ $RC == "$1" ]] || WHY+=("exit code $RC, expected $1")
}

# expect_count N: wizfetch opened exactly N connections.
expect_count() {
  ((SKIP)) && return 0
  local n
  n=$(wc -l <"$CONNS")
  ((n == $1)) || WHY+=("$n connections in -v, expected $1")
}

# expect_fetch N VERSION OFFERED RESUMED REUSED: connection N's -v lines and the
# server's X-Reused header say exactly that.
expect_fetch() {
  ((SKIP)) && return 0
  local want="fetch $1: version $2 offered $3 resumed $4 x-reused $5"
  grep -qxF "$want" "$CONNS" || WHY+=("want '$want', got '$(grep "^fetch $1:" "$CONNS")'")
}

end() {
  ((SKIP)) && return 0
  if ((${#WHY[@]} == 0)); then
    echo "ok - $CASE"
    # What the kept sessions cost, and the heap peak of the whole run (the last -v lines).
    grep -E '^\* (TLS sessions:|body .*heap peak)' "$ERR" | tail -n 2 | sed 's/^\* /#   /'
    passed=$((passed + 1))
  else
    echo "not ok - $CASE: ${WHY[*]}"
    sed 's/^/#   /' "$CONNS"
    grep -v '^[<>*]' "$ERR" | tail -n 6 | sed 's/^/#   stderr: /'
    failed=$((failed + 1))
  fi
}

# Control: this nginx WOULD resume a session of www.example.test offered under the
# name other.example.test (one ticket key, one session cache for both names), so
# the "never offered to another server name" cases below can fail. openssl
# s_client offers whatever session it is given.
for v in 1.3 1.2; do
  srv=tls13
  [[ $v == 1.2 ]] && srv=tls12
  begin "control, TLS $v: nginx resumes a www session offered to other.example.test (openssl s_client)"
  if ((!SKIP)); then
    sess=$TS_DIR/www-$v.sess
    # A whole request, read to the server's close: TLS 1.3 tickets arrive after the handshake.
    printf 'GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n' |
      timeout 10 openssl s_client -connect "127.0.0.1:${PORT[$srv]}" -servername www.example.test \
        -CAfile "$pki/root.pem" -sess_out "$sess" -ign_eof >"$OUT" 2>"$ERR"
    printf 'GET / HTTP/1.1\r\nHost: other.example.test\r\n\r\n' |
      timeout 10 openssl s_client -connect "127.0.0.1:${PORT[$srv]}" -servername other.example.test \
        -CAfile "$pki/root.pem" -sess_in "$sess" -ign_eof >"$OUT" 2>"$ERR"
    grep -q '^Reused' "$OUT" || WHY+=("s_client's second connection was not resumed")
    grep -qi '^X-Reused: r' "$OUT" || WHY+=("nginx did not say X-Reused: r")
    : >"$CONNS"
  fi
  end
done

W=https://www.example.test/
O=https://other.example.test/

for v in 1.3 1.2; do
  srv=tls13
  [[ $v == 1.2 ]] && srv=tls12
  begin "TLS $v: wizfetch URL URL: the second connection resumes (ticket), as curl's"
  fetch $srv "$W" "$W"
  check_rc 0
  expect_count 2
  expect_fetch 1 "TLSv$v" no no .
  expect_fetch 2 "TLSv$v" yes yes r
  ((SKIP)) || [[ $(cat "$OUT") == $'ok\nok' ]] || WHY+=("stdout is not both bodies")
  curl_reused ". r" $srv "$W" "$W"
  end

  begin "TLS $v: a session is never offered to another server name"
  fetch $srv "$W" "$O" "$W"
  check_rc 0
  expect_count 3
  expect_fetch 1 "TLSv$v" no no .
  expect_fetch 2 "TLSv$v" no no .
  expect_fetch 3 "TLSv$v" yes yes r # www's session was kept alongside other's
  curl_reused ". . r" $srv "$W" "$O" "$W"
  end

  begin "TLS $v: --no-sessionid: every connection is a full handshake, as curl's"
  fetch $srv --no-sessionid "$W" "$W"
  check_rc 0
  expect_count 2
  expect_fetch 1 "TLSv$v" no no .
  expect_fetch 2 "TLSv$v" no no .
  curl_reused ". ." $srv --no-sessionid "$W" "$W"
  end
done

begin "TLS 1.2: resumption by session ID (tickets off), as curl's"
fetch tls12id "$W" "$W"
check_rc 0
expect_count 2
expect_fetch 1 TLSv1.2 no no .
expect_fetch 2 TLSv1.2 yes yes r
curl_reused ". r" tls12id "$W" "$W"
end

begin "TLS 1.3: a URL naming the host in capitals is the same server (URLs lowercase it): resumed"
fetch tls13 "$W" "https://WWW.Example.TEST/"
check_rc 0
expect_count 2
expect_fetch 2 TLSv1.3 yes yes r
curl_reused ". r" tls13 "$W" "https://WWW.Example.TEST/"
end

begin "TLS 1.3: --tls13-psk-only (PSK without (EC)DHE allowed, the server picks): resumed"
fetch tls13 --tls13-psk-only "$W" "$W"
check_rc 0
expect_count 2
expect_fetch 1 TLSv1.3 no no .
expect_fetch 2 TLSv1.3 yes yes r
end

rsa_pin=sha256//$(openssl x509 -in "$pki/rsa.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
  openssl dgst -sha256 -binary | base64)
for v in 1.3 1.2; do
  srv=tls13
  [[ $v == 1.2 ]] && srv=tls12
  begin "TLS $v: --pinnedpubkey: resumed, the pin re-checked against the kept key"
  fetch $srv --pinnedpubkey "$rsa_pin" "$W" "$W"
  check_rc 0
  expect_count 2
  expect_fetch 2 "TLSv$v" yes yes r
  curl_reused ". r" $srv --pinnedpubkey "$rsa_pin" "$W" "$W"
  end
done

# The server's session lifetime (2 s) in one command: www twice (resumed at once),
# then other.example.test/slow (4000 bytes at 1000 B/s: over 3 s), then www again:
# its session, kept over 3 s ago, has expired in the client's cache and is not even
# offered.
for v in 1.3 1.2; do
  begin "TLS $v: the server's lifetime (2 s) is honoured: resumed at once, not offered after 3 s"
  fetch short --tls-max "$v" "$W" "$W" "${O}slow" "$W"
  check_rc 0
  expect_count 4
  expect_fetch 1 "TLSv$v" no no .
  expect_fetch 2 "TLSv$v" yes yes r
  expect_fetch 3 "TLSv$v" no no .
  expect_fetch 4 "TLSv$v" no no . # expired in the client's cache
  ((SKIP || ELAPSED_MS >= 3000)) || WHY+=("the command took $ELAPSED_MS ms: /slow was not slow, nothing shown")
  curl_reused ". r . ." short --tls-max "$v" "$W" "$W" "${O}slow" "$W"
  end
done

echo "$passed passed, $failed failed"
((failed == 0))
