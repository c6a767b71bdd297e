#!/usr/bin/env bash
# tests/e2e/resume.sh PROBE_BINARY -- TLS session resumption against nginx.
#
# PROBE_BINARY is wf-resume-probe (tests/e2e/resume_probe.c): the wizfetch stack
# through the modelled W5100, fetching URLs one after the other, each on a new
# connection, with one TLS context. nginx closes after every response
# (keepalive_timeout 0) and says in the X-Reused header whether it resumed the
# session ($ssl_session_reused: "r" resumed, "." full handshake), which is
# checked against what the client says (wf_tls_resumed).
#
# nginx server blocks (each serves www.example.test and other.example.test,
# every certificate valid for its name, one ticket key for both names so that a
# ticket offered to the wrong name would be accepted):
#   tls13   TLS 1.3, tickets           tls12    TLS 1.2, tickets
#   tls12id TLS 1.2, session IDs only  short    TLS 1.2 + 1.3, sessions live 2 s
#
# Prints "ok - NAME" (and the probe's session figures as a "#" line) or
# "not ok - NAME: WHY" per case, then "N passed, M failed".
# Exit: 0 all passed, 1 a case failed, 2 the set-up failed.
# Environment: WF_PKI_DIR (default BUILD/pki next to the probe's tests/ directory),
#              E2E_ONLY (regex of the cases to run), TS_KEEP=1 keep the temp dir.
set -uo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PROBE_BINARY" >&2
  exit 2
fi
bin=$(realpath -e "$1" 2>/dev/null) || { echo "resume.sh: no such file: $1" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/test-servers.sh
source "$repo/scripts/test-servers.sh"

setup_failed() { echo "resume.sh: set-up failed: $*" >&2; exit 2; }

if [[ -n ${WF_PKI_DIR:-} ]]; then
  pki=$WF_PKI_DIR
elif [[ $(basename "$(dirname "$bin")") == tests ]]; then
  pki=$(dirname "$(dirname "$bin")")/pki # BUILD/tests/wf-resume-probe -> BUILD/pki
else
  pki=$repo/build/pki
fi
"$repo/scripts/make-pki.sh" "$pki" >/dev/null || setup_failed "make-pki.sh $pki"
pki=$(cd "$pki" && pwd)

ts_init
dir=$TS_DIR/nginx-resume
mkdir -p "$dir/tmp"
openssl rand 80 >"$dir/ticket.key" || setup_failed "ticket key"

start_nginx() {
  local try pid name
  # name  protocols  extra directives
  local -a blocks=(
    "tls13|TLSv1.3|ssl_session_tickets on;"
    "tls12|TLSv1.2|ssl_session_tickets on;"
    "tls12id|TLSv1.2|ssl_session_tickets off;"
    "short|TLSv1.2 TLSv1.3|ssl_session_tickets on; ssl_session_timeout 2s;"
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
OUT=$TS_DIR/probe.out
ERR=$TS_DIR/probe.err

# probe SERVER ARGS... : run the probe with both names resolved to 10.0.0.1:443,
# which the chip model maps to SERVER's loopback port.
probe() {
  local server=$1
  shift
  timeout --foreground -k 5 60 "$bin" --cacert "$pki/root.pem" \
    --resolve www.example.test:443:10.0.0.1 --resolve other.example.test:443:10.0.0.1 \
    --map "10.0.0.1:443=127.0.0.1:${PORT[$server]}" "$@" >"$OUT" 2>"$ERR"
  RC=$?
}

begin() {
  CASE=$1
  WHY=()
  SKIP=0
  if [[ -n ${E2E_ONLY:-} ]] && ! [[ $CASE =~ $E2E_ONLY ]]; then SKIP=1; fi
}

# expect_fetch N VERSION OFFERED RESUMED REUSED: fetch N's line says exactly that.
expect_fetch() {
  ((SKIP)) && return 0
  local want="fetch $1: rc 0 status 200 version $2 offered $3 resumed $4 x-reused $5"
  grep -qxF "$want" "$OUT" || WHY+=("want '$want', got '$(grep "^fetch $1:" "$OUT")'")
}

check_rc() {
  ((SKIP)) && return 0
  [[ $RC == "$1" ]] || WHY+=("exit code $RC, expected $1")
}

end() {
  ((SKIP)) && return 0
  if ((${#WHY[@]} == 0)); then
    echo "ok - $CASE"
    sed -n 's/^sessions: /#   /p' "$OUT" # what the kept sessions cost (the last probe run)
    passed=$((passed + 1))
  else
    echo "not ok - $CASE: ${WHY[*]}"
    sed 's/^/#   /' "$OUT" "$ERR" | tail -n 12
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
  fi
  end
done

W=https://www.example.test/
O=https://other.example.test/

for v in 1.3 1.2; do
  srv=tls13
  [[ $v == 1.2 ]] && srv=tls12
  begin "TLS $v: the second connection resumes (ticket)"
  ((SKIP)) || probe $srv "$W" "$W"
  check_rc 0
  expect_fetch 1 "TLSv$v" no no .
  expect_fetch 2 "TLSv$v" yes yes r
  end

  begin "TLS $v: a session is never offered to another server name"
  ((SKIP)) || probe $srv "$W" "$O" "$W"
  check_rc 0
  expect_fetch 1 "TLSv$v" no no .
  expect_fetch 2 "TLSv$v" no no .
  expect_fetch 3 "TLSv$v" yes yes r # www's session was kept alongside other's
  end

  begin "TLS $v: --no-session-cache: every connection is a full handshake"
  ((SKIP)) || probe $srv --no-session-cache "$W" "$W"
  check_rc 0
  expect_fetch 1 "TLSv$v" no no .
  expect_fetch 2 "TLSv$v" no no .
  end
done

begin "TLS 1.2: resumption by session ID (tickets off)"
((SKIP)) || probe tls12id "$W" "$W"
check_rc 0
expect_fetch 1 TLSv1.2 no no .
expect_fetch 2 TLSv1.2 yes yes r
end

begin "TLS 1.3: a URL naming the host in capitals is the same server (URLs lowercase it): resumed"
((SKIP)) || probe tls13 "$W" "https://WWW.Example.TEST/"
check_rc 0
expect_fetch 2 TLSv1.3 yes yes r
end

begin "TLS 1.3: with tls13_psk_only allowed, still resumed"
((SKIP)) || probe tls13 --tls13-psk-only "$W" "$W"
check_rc 0
expect_fetch 2 TLSv1.3 yes yes r
end

rsa_pin=sha256//$(openssl x509 -in "$pki/rsa.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
  openssl dgst -sha256 -binary | base64)
for v in 1.3 1.2; do
  srv=tls13
  [[ $v == 1.2 ]] && srv=tls12
  begin "TLS $v: pinned key: resumed, the pin re-checked against the kept key"
  ((SKIP)) || probe $srv --pin "$rsa_pin" "$W" "$W"
  check_rc 0
  expect_fetch 2 "TLSv$v" yes yes r
  end
done

for v in 1.3 1.2; do
  begin "TLS $v: the server's lifetime (2 s) is honoured: resumed at once, not after 3 s"
  if ((!SKIP)); then
    probe short --tls-max "$v" "$W" "$W"
    check_rc 0
    expect_fetch 2 "TLSv$v" yes yes r
    probe short --tls-max "$v" --sleep-ms 3000 "$W" "$W"
    check_rc 0
    expect_fetch 1 "TLSv$v" no no .
    expect_fetch 2 "TLSv$v" no no . # expired in the client's cache: not even offered
  fi
  end
done

echo "$passed passed, $failed failed"
((failed == 0))
