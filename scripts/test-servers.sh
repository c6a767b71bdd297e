#!/usr/bin/env bash
# test-servers.sh -- real servers on 127.0.0.1 for wizfetch's end-to-end tests and demo.
#
# A bash library. Source it, then start what you need:
#
#   source scripts/test-servers.sh   # installs EXIT/INT/TERM traps that stop every server
#   ts_init                          # makes the temp dir $TS_DIR (the start functions call it)
#   ts_start_nginx PKI_DIR           # nginx-light; fills the associative array NGINX_PORT:
#       main        TLS 1.2+1.3, RSA leaf + intermediate (rsa-chain.pem)
#       tls13       TLS 1.3 only, ECDSA P-256 leaf + intermediate
#       tls12       TLS 1.2 only, RSA chain
#       expired, future, wrongname, selfsigned, unknown   the broken certificates
#       mtls        TLS 1.2+1.3, RSA chain, client certificates required (ssl_verify_client on,
#                   issued by client-ca.pem); /whoami answers "verify=<$ssl_client_verify>
#                   dn=<$ssl_client_s_dn>", every answer carries the same in the header
#                   fields X-Client-Verify and X-Client-DN; without a certificate nginx
#                   answers 400
#       ka, noka    TLS 1.2+1.3, RSA chain; ka keeps connections for 120 s (others: 5 s),
#                   noka not at all (keepalive_timeout 0: every response closes it);
#       noka12      the same as noka, TLS 1.2 only
#       x25519, p256  TLS 1.3, RSA chain, one key-exchange group only (ssl_ecdh_curve:
#                   X25519, P-256); their requests also go to groups.log (next to
#                   access.log): "<port> <$ssl_curve> <$ssl_curves> "<request>" <status>",
#                   the group chosen and the client's list in its order
#       ip, ipdns, wildtld, caleaf, dsa, dsa12 (TLS 1.2 only), chain2, chain2swap,
#       chain2swap12 (TLS 1.2 only)   path-validation edge cases (make-pki.sh describes
#                   the certificates)
#     every block serves $TS_DOCROOT: /index.html (small page, also at /), /big.bin
#     (1 MiB + 12345 random bytes, Content-Length), /chunked.bin (the same bytes with
#     Transfer-Encoding: chunked), /old (301 -> https://www.example.test/index.html),
#     /rel (301 -> relative /index.html), /loop (301 -> /loop), /conn ("<connection
#     number> <requests on it>", kept open), /conn-close (the same, then closed:
#     keepalive_timeout 0), /report (POST, the telemetry firmware's: "<connection number>
#     <requests on it> <$ssl_session_reused: r or .>"), 404 for the rest.
#     Access log: $TS_DIR/nginx/access.log, one line per request:
#       <server port> <TLS version> <cipher> "<request line>" <status> <body bytes>
#   ts_start_nginx_with VAR DIR WRITER [NAME...]   # any other nginx: its files in DIR; the
#                                    # http context (server blocks, logs...) is what the
#                                    # function WRITER prints (called as WRITER DIR); for
#                                    # each NAME a free port in the associative array VAR
#                                    # (declared by the caller) unless VAR[NAME] is set
#                                    # already (a fixed port); started (new ports on a
#                                    # retry) until every VAR port listens
#   ts_launch NAME PROTO LOG "PORT..." -- COMMAND...   # any server on fixed ports: started
#                                    # in the background (output in LOG) until it listens
#                                    # on every PORT (tcp|udp); its pid in TS_LAST_PID
#   ts_stop PID                      # stop one of the servers now (TERM, bounded, KILL)
#   TS_NETNS=NAME                    # the servers started while it is set run in the
#                                    # network namespace NAME (ip netns exec; root), and
#                                    # the waits look at that namespace's sockets
#   ts_start_dnsmasq VAR             # dnsmasq: www.example.test A 10.0.0.1, any other
#                                    # name under example.test NXDOMAIN; VAR=its port
#   ts_start_silent_dns VAR          # UDP port that reads queries and never answers
#   ts_start_tls10 VAR PKI_DIR       # openssl s_server speaking only TLS 1.0
#   ts_start_gnutls13 VAR PKI_DIR    # gnutls-serv (GnuTLS, which honours record_size_limit),
#                                    # TLS 1.3 only, answering every request with
#                                    # $TS_DOCROOT/20k.bin (good RSA chain); listens on every
#                                    # address (gnutls-serv has no bind option)
#   ts_start_s_server13 VAR PKI_DIR  # openssl s_server -WWW, TLS 1.3 only, serving $TS_DOCROOT:
#                                    # full 16 KiB records whatever record_size_limit asks
#                                    # (OpenSSL 3.0 does not implement it)
#   ts_start_tls13_group VAR PKI_DIR GROUP  # openssl s_server, TLS 1.3 with one key-exchange
#                                    # group (-groups GROUP), -www (its page names the
#                                    # client's groups and the shared ones), -msg: the
#                                    # handshake messages in $TS_DIR/tls13-GROUP.log
#   ts_start_partial VAR PKI_DIR     # TLS (good RSA chain), reads the request, answers
#                                    # Content-Length: 100000 with 40000 bytes, closes
#   ts_start_empty VAR PKI_DIR       # TLS (good RSA chain), reads the request, closes
#   ts_start_tls_close VAR PKI_DIR   # TLS (good RSA chain): close-delimited bodies ended with
#                                    # or without close_notify (tests/e2e/tls_close_server.py)
#   ts_start_tls_edge VAR PKI_DIR BIN  # mbedTLS server (tests/e2e/tls_edge_server.c, built as BIN):
#                                    # record-layer cases such as empty application-data records
#   ts_start_mute VAR                # accepts TCP and never sends a byte
#   ts_start_keepalive VAR LOG [PKI_DIR]  # tests/e2e/keepalive_server.py: keeps connections,
#                                    # or closes them on purpose (idle, or under the next
#                                    # request); one line per request in LOG; TLS with PKI_DIR
#   ts_start_slow VAR LOG [PKI_DIR]  # tests/e2e/slow_server.py: /slow/NAME answers after 2 s,
#                                    # /fast/NAME at once, else 404; a thread per connection;
#                                    # logs when each connection opens, its request comes, its
#                                    # answer goes and it closes (ms) in LOG;
#                                    # TLS with PKI_DIR (the good RSA chain)
#   ts_free_port VAR                 # a TCP+UDP port nobody listens on (e.g. "refused")
#   ts_at_exit 'COMMAND'             # extra cleanup, run before the servers are stopped
#   ts_share VAR...                  # let child scripts use the servers started here: exports
#                                    # WF_TS_SHARED (the docroot, NGINX_PORT and the named
#                                    # port variables, e.g. DNS_PORT)
#   ts_use_shared                    # in a child: takes them (returns 1 when none are shared);
#                                    # its own $TS_DIR, ts_cleanup stops nothing shared
#   ts_cleanup                       # stop everything now (the traps call it)
#
# Every server listens on 127.0.0.1 only (unless the caller's WRITER or COMMAND says otherwise), on a random unprivileged port (retried if
# taken); every wait is bounded; everything lives in the temp dir $TS_DIR, which
# ts_cleanup removes (set TS_KEEP=1 to keep it for debugging).
#
# Run directly, `scripts/test-servers.sh selftest [PKI_DIR]` starts every server and
# checks it with openssl s_client (and curl if present), without wizfetch.

TS_DIR=""
TS_DOCROOT=""
TS_PIDS=()
TS_AT_EXIT=()
TS_LAST_PID=""
TS_NETNS=${TS_NETNS:-}
declare -gA NGINX_PORT=()
TS_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ts_log() { echo "test-servers: $*" >&2; }

ts_at_exit() { TS_AT_EXIT+=("$1"); }

ts_init() {
  [[ -n $TS_DIR && -d $TS_DIR ]] && return 0
  TS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wf-servers.XXXXXX")
  chmod 755 "$TS_DIR" # nginx workers (user nobody when not running as root) read from here
}

# Stop one process we started: TERM it and its direct children, wait (bounded), KILL.
ts__stop_pid() {
  local pid=$1 kids i
  kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ' || true)
  kill -TERM "$pid" 2>/dev/null || true
  # shellcheck disable=SC2086
  [[ -n $kids ]] && kill -TERM $kids 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

ts_stop() {
  local pid=$1 i
  ts__stop_pid "$pid"
  for i in "${!TS_PIDS[@]}"; do [[ ${TS_PIDS[$i]} == "$pid" ]] && unset "TS_PIDS[$i]"; done
  TS_PIDS=("${TS_PIDS[@]}")
}

ts_cleanup() {
  set +e # also when the caller runs under set -e: stop everything regardless
  local c pid
  for c in "${TS_AT_EXIT[@]}"; do eval "$c" || true; done
  TS_AT_EXIT=()
  for pid in "${TS_PIDS[@]}"; do ts__stop_pid "$pid"; done
  TS_PIDS=()
  if [[ -n $TS_DIR && -d $TS_DIR && -z ${TS_KEEP:-} ]]; then rm -rf "$TS_DIR"; fi
  [[ -n ${TS_KEEP:-} && -n $TS_DIR ]] && ts_log "kept $TS_DIR"
  TS_DIR=""
  return 0
}

# ts_share VAR...: the servers of this script for its children (scripts/run-firmware.sh
# run by a test): a file of "NAME PORT" lines in $TS_DIR, named by WF_TS_SHARED.
ts_share() {
  ts_init
  local f=$TS_DIR/shared-ports name
  {
    echo "docroot $TS_DOCROOT"
    for name in "${!NGINX_PORT[@]}"; do echo "nginx:$name ${NGINX_PORT[$name]}"; done
    for name in "$@"; do echo "$name ${!name}"; done
  } >"$f"
  export WF_TS_SHARED=$f
}

# ts_use_shared: NGINX_PORT, TS_DOCROOT and the named port variables from WF_TS_SHARED.
ts_use_shared() {
  [[ -n ${WF_TS_SHARED:-} && -f $WF_TS_SHARED ]] || return 1
  local name value
  while read -r name value; do
    case $name in
      docroot) TS_DOCROOT=$value ;;
      nginx:*) NGINX_PORT[${name#nginx:}]=$value ;;
      *) printf -v "$name" '%s' "$value" ;;
    esac
  done <"$WF_TS_SHARED"
}

trap ts_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Is anything bound to PORT (TCP or UDP, any state)?
ts__port_used() {
  [[ -n $(ss -Htuan "( sport = :$1 )" 2>/dev/null) ]]
}

ts_free_port() {
  local -n _port=$1
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    if ! ts__port_used "$p" && [[ " ${TS_GIVEN_PORTS:-} " != *" $p "* ]]; then
      TS_GIVEN_PORTS="${TS_GIVEN_PORTS:-} $p"
      _port=$p
      return 0
    fi
  done
  ts_log "no free port found"
  return 1
}

# ts__in_ns COMMAND...: COMMAND in the namespace TS_NETNS (if set), in the foreground.
ts__in_ns() {
  if [[ -n $TS_NETNS ]]; then ip netns exec "$TS_NETNS" "$@"; else "$@"; fi
}

# ts__wait_listen PID tcp|udp PORT... : 0 once every port is bound, 1 if PID died or 5 s passed.
ts__wait_listen() {
  local pid=$1 proto=$2 i p ok flag=-Htln
  shift 2
  [[ $proto == udp ]] && flag=-Huln
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    ok=1
    for p in "$@"; do
      [[ -n $(ts__in_ns ss "$flag" "( sport = :$p )" 2>/dev/null) ]] || ok=0
    done
    ((ok)) && return 0
    sleep 0.1
  done
  return 1
}

# ts__try PROTO LOG "PORT..." -- COMMAND...: one start of COMMAND (in TS_NETNS, if set);
# 0 once it listens on every PORT (its pid kept in TS_PIDS and TS_LAST_PID), else 1
# with the process stopped.
ts__try() {
  local proto=$1 log=$2 ports=$3 pid
  shift 4
  local -a pre=()
  [[ -n $TS_NETNS ]] && pre=(ip netns exec "$TS_NETNS")
  "${pre[@]}" "$@" </dev/null >>"$log" 2>&1 &
  pid=$!
  # shellcheck disable=SC2086
  if ts__wait_listen "$pid" "$proto" $ports; then
    TS_PIDS+=("$pid")
    # shellcheck disable=SC2034 # the caller's
    TS_LAST_PID=$pid
    return 0
  fi
  ts__stop_pid "$pid"
  return 1
}

ts__start_failed() { # NAME LOG
  ts_log "$1 did not start; log $2:"
  tail -n 20 "$2" >&2
  return 1
}

ts_launch() {
  local name=$1 proto=$2 log=$3 ports=$4
  shift 4
  ts_init
  ts__try "$proto" "$log" "$ports" "$@" || ts__start_failed "$name" "$log"
}

# ts__launch NAME PROTO PORTVAR LOG -- COMMAND...   (the command may use the word @PORT@)
# Starts COMMAND in the background on a fresh random port until it listens (5 tries).
ts__launch() {
  local name=$1 proto=$2 var=$3 log=$4 try port
  shift 5
  for ((try = 0; try < 5; try++)); do
    ts_free_port port || return 1
    if ts__try "$proto" "$log" "$port" -- "${@//@PORT@/$port}"; then
      printf -v "$var" '%s' "$port"
      return 0
    fi
  done
  ts__start_failed "$name" "$log"
}

# --- nginx -----------------------------------------------------------------------

ts__make_docroot() {
  [[ -n $TS_DOCROOT ]] && return 0
  TS_DOCROOT=$TS_DIR/docroot
  mkdir -p "$TS_DOCROOT"
  cat >"$TS_DOCROOT/index.html" <<'EOF'
<!DOCTYPE html>
<html>
<head><title>www.example.test</title></head>
<body>
<h1>Hello from nginx on www.example.test</h1>
<p>Fetched over HTTPS by wizfetch, through a (modelled) WIZnet W5100.</p>
</body>
</html>
EOF
  head -c $((1048576 + 12345)) /dev/urandom >"$TS_DOCROOT/big.bin"
  head -c 20000 /dev/urandom >"$TS_DOCROOT/20k.bin"
  : >"$TS_DOCROOT/empty.txt"
  chmod 755 "$TS_DOCROOT"
  chmod 644 "$TS_DOCROOT"/*
}

ts_start_nginx_with() {
  local -n _ts_ports=${1:?ts_start_nginx_with VAR DIR WRITER [NAME...]}
  local dir=${2:?ts_start_nginx_with VAR DIR WRITER [NAME...]} writer=${3:?ts_start_nginx_with VAR DIR WRITER [NAME...]}
  shift 3
  local -a names=("$@") random=() try n
  for n in "${names[@]}"; do [[ -z ${_ts_ports[$n]:-} ]] && random+=("$n"); done
  ts_init
  mkdir -p "$dir/tmp"
  for ((try = 0; try < 5; try++)); do
    for n in "${random[@]}"; do ts_free_port "_ts_ports[$n]" || return 1; done
    {
      [[ $(id -u) -eq 0 ]] && echo "user root;"
      cat <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 128; }
http {
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server_tokens off;
EOF
      "$writer" "$dir"
      echo "}"
    } >"$dir/nginx.conf"
    if ts__try tcp "$dir/stdout.log" "${_ts_ports[*]}" -- nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"; then
      return 0
    fi
    ((${#random[@]})) || break # fixed ports: another try would fail the same way
  done
  ts__start_failed nginx "$dir/error.log"
}

ts_start_nginx() {
  local pki
  pki=$(cd "${1:?ts_start_nginx PKI_DIR}" && pwd) || return 1
  ts_init
  ts__make_docroot
  local dir=$TS_DIR/nginx name
  mkdir -p "$dir"
  # name  certificate-chain  key  protocols
  local -a blocks=(
    "main rsa-chain.pem rsa.key TLSv1.2 TLSv1.3"
    "tls13 ecdsa-chain.pem ecdsa.key TLSv1.3"
    "tls12 rsa-chain.pem rsa.key TLSv1.2"
    "expired expired-chain.pem expired.key TLSv1.2 TLSv1.3"
    "future future-chain.pem future.key TLSv1.2 TLSv1.3"
    "wrongname wrongname-chain.pem wrongname.key TLSv1.2 TLSv1.3"
    "selfsigned selfsigned-chain.pem selfsigned.key TLSv1.2 TLSv1.3"
    "unknown unknown-chain.pem unknown.key TLSv1.2 TLSv1.3"
    "ip ip-chain.pem ip.key TLSv1.2 TLSv1.3"           # iPAddress 10.0.0.1, 127.0.0.1
    "ipdns ipdns-chain.pem ipdns.key TLSv1.2 TLSv1.3"  # the same IPs as dNSName only
    "wildtld wildtld-chain.pem wildtld.key TLSv1.2 TLSv1.3" # dNSName *.test
    "caleaf caleaf-chain.pem caleaf.key TLSv1.2 TLSv1.3"    # a CA certificate as the leaf
    "dsa dsa-chain.pem dsa.key TLSv1.2 TLSv1.3"        # leaf signed with DSA (mbedTLS cannot parse it)
    "dsa12 dsa-chain.pem dsa.key TLSv1.2"
    "chain2 chain2-chain.pem chain2.key TLSv1.2 TLSv1.3"    # two intermediates, in issuing order
    "chain2swap chain2-swapped-chain.pem chain2.key TLSv1.2 TLSv1.3" # the same, out of order
    "chain2swap12 chain2-swapped-chain.pem chain2.key TLSv1.2"
    "mtls rsa-chain.pem rsa.key TLSv1.2 TLSv1.3"
    "ka rsa-chain.pem rsa.key TLSv1.2 TLSv1.3"   # keep-alive for 120 s (the telemetry firmware)
    "noka rsa-chain.pem rsa.key TLSv1.2 TLSv1.3" # keep-alive off: closes after each response
    "noka12 rsa-chain.pem rsa.key TLSv1.2"        # the same, TLS 1.2 only
    "x25519 rsa-chain.pem rsa.key TLSv1.3" # key exchange on X25519 only
    "p256 rsa-chain.pem rsa.key TLSv1.3"   # key exchange on P-256 only
    "plain - - -" # plain http, no TLS
  )

  # What every server block serves.
  cat >"$dir/site.conf" <<EOF
root $TS_DOCROOT;
index index.html;
location = /old { return 301 https://\$host/index.html; }
location = /rel { absolute_redirect off; return 301 /index.html; }
location = /loop { return 301 https://\$host/loop; }
location = /to-http { return 302 http://\$host/index.html; }
# Request bodies: /post takes up to 8 MiB and answers 200; /small takes 1 KiB, so a
# larger announced body gets 413 right after the head (nginx does not read it).
location = /post { client_max_body_size 8m; return 200 "posted\\n"; }
location = /small { client_max_body_size 1k; return 200 "ok\\n"; }
# Keep-alive: what nginx saw of the connection, "<connection number> <requests on it>";
# /conn-close says the same and closes (keepalive_timeout 0: Connection: close).
location = /conn { default_type text/plain; return 200 "\$connection \$connection_requests\\n"; }
location = /conn-close {
  keepalive_timeout 0;
  default_type text/plain;
  return 200 "\$connection \$connection_requests\\n";
}
# The telemetry firmware's reports (POST): what nginx saw of the connection and the
# TLS session, "<connection number> <requests on it> <r: resumed, .: full handshake>".
# The "ka" block keeps connections for 120 s (an emulated second takes several real
# ones), the "noka" block closes after every response (keepalive_timeout 0).
location = /report { default_type text/plain; return 200 "\$connection \$connection_requests \$ssl_session_reused\\n"; }
# The superloop firmware's GET while its reports run (two transfers at once): the
# connection's number and how many connections nginx has open ("<connection> <active>").
location = /active { default_type text/plain; return 200 "\$connection \$connections_active\\n"; }
# The same bytes as /big.bin, but chunked: the addition filter (add_after_body with
# an empty file) drops Content-Length, so nginx must use Transfer-Encoding: chunked
# for HTTP/1.1 clients.
location = /chunked.bin {
  alias $TS_DOCROOT/big.bin;
  addition_types *;
  add_after_body /empty.txt;
}
EOF

  # The http context: logs, then a server block per entry of "blocks".
  # shellcheck disable=SC2317 # called by ts_start_nginx_with
  ts__nginx_blocks() {
    local b fields
    cat <<EOF
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format wf '\$server_port \$ssl_protocol \$ssl_cipher sni=\$ssl_server_name "\$request" \$status \$body_bytes_sent';
  access_log $dir/access.log wf;
  log_format groups '\$server_port \$ssl_curve \$ssl_curves "\$request" \$status';
  keepalive_timeout 5s;
  gzip off;
EOF
    for b in "${blocks[@]}"; do
      read -r -a fields <<<"$b"
      if [[ ${fields[1]} == - ]]; then
        cat <<EOF
  server { # ${fields[0]}
    listen 127.0.0.1:${ports[${fields[0]}]};
    server_name www.example.test;
    include $dir/site.conf;
  }
EOF
        continue
      fi
      cat <<EOF
  server { # ${fields[0]}
    listen 127.0.0.1:${ports[${fields[0]}]} ssl;
    server_name www.example.test;
    ssl_certificate $pki/${fields[1]};
    ssl_certificate_key $pki/${fields[2]};
    ssl_protocols ${fields[*]:3};
EOF
      [[ ${fields[0]} == ka ]] && echo "    keepalive_timeout 120s;"
      [[ ${fields[0]} == noka* ]] && echo "    keepalive_timeout 0;"
      if [[ ${fields[0]} == x25519 || ${fields[0]} == p256 ]]; then
        [[ ${fields[0]} == x25519 ]] && echo "    ssl_ecdh_curve X25519;" || echo "    ssl_ecdh_curve prime256v1;"
        echo "    access_log $dir/access.log wf;"
        echo "    access_log $dir/groups.log groups;"
      fi
      if [[ ${fields[0]} == mtls ]]; then
        cat <<EOF
    ssl_verify_client on;
    ssl_client_certificate $pki/client-ca.pem;
    add_header X-Client-Verify \$ssl_client_verify always;
    add_header X-Client-DN \$ssl_client_s_dn always;
    location = /whoami { default_type text/plain; return 200 "verify=\$ssl_client_verify dn=\$ssl_client_s_dn\\n"; }
EOF
      fi
      cat <<EOF
    include $dir/site.conf;
  }
EOF
    done
  }

  local -A ports=()
  local -a names=()
  local b
  for b in "${blocks[@]}"; do names+=("${b%% *}"); done
  ts_start_nginx_with ports "$dir" ts__nginx_blocks "${names[@]}" || return 1
  for name in "${!ports[@]}"; do NGINX_PORT[$name]=${ports[$name]}; done
}

# --- DNS -------------------------------------------------------------------------

ts_start_dnsmasq() {
  ts_init
  ts__launch dnsmasq udp "$1" "$TS_DIR/dnsmasq.log" -- \
    dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --bind-interfaces --listen-address=127.0.0.1 --port=@PORT@ \
    --host-record=www.example.test,10.0.0.1 --local=/example.test/ \
    --user="$(id -un)" --group="$(id -gn)" --pid-file="$TS_DIR/dnsmasq-@PORT@.pid" \
    --log-queries --log-facility=-
}

ts_start_silent_dns() {
  ts_init
  ts__launch silent-dns udp "$1" "$TS_DIR/silent-dns.log" -- \
    socat -u UDP-RECV:@PORT@,bind=127.0.0.1 GOPEN:/dev/null
}

# --- special TLS/TCP servers ------------------------------------------------------

ts_start_tls10() {
  local pki
  pki=$(cd "${2:?ts_start_tls10 VAR PKI_DIR}" && pwd) || return 1
  ts_init
  # OpenSSL 3.0 refuses TLS 1.0 at the default security level; SECLEVEL=0 allows it.
  ts__launch tls10 tcp "$1" "$TS_DIR/tls10.log" -- \
    openssl s_server -accept 127.0.0.1:@PORT@ -cert "$pki/rsa.pem" -key "$pki/rsa.key" \
    -cert_chain "$pki/int.pem" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' -www -quiet
}

ts_start_gnutls13() { ts__start_tls13_file gnutls13 "$@"; }
ts_start_s_server13() { ts__start_tls13_file s_server13 "$@"; }

# ts__start_tls13_file NAME VAR PKI_DIR: the TLS 1.3-only servers of /20k.bin (see the list at the top).
ts__start_tls13_file() {
  local name=$1 var=$2 pki
  pki=$(cd "${3:?ts_start_$name VAR PKI_DIR}" && pwd) || return 1
  ts_init
  ts__make_docroot
  if [[ $name == gnutls13 ]]; then
    ts__launch "$name" tcp "$var" "$TS_DIR/$name.log" -- \
      gnutls-serv --http --httpdata="$TS_DOCROOT/20k.bin" -p @PORT@ --x509certfile="$pki/rsa-chain.pem" \
      --x509keyfile="$pki/rsa.key" --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3' --disable-client-cert --nodb
  else
    ts__launch "$name" tcp "$var" "$TS_DIR/$name.log" -- \
      env -C "$TS_DOCROOT" openssl s_server -accept 127.0.0.1:@PORT@ -cert "$pki/rsa.pem" -cert_chain "$pki/int.pem" \
      -key "$pki/rsa.key" -tls1_3 -WWW -quiet
  fi
}

ts_start_tls13_group() {
  local pki group=${3:?ts_start_tls13_group VAR PKI_DIR GROUP}
  pki=$(cd "${2:?ts_start_tls13_group VAR PKI_DIR GROUP}" && pwd) || return 1
  ts_init
  ts__launch "tls13-$group" tcp "$1" "$TS_DIR/tls13-$group.log" -- \
    openssl s_server -accept 127.0.0.1:@PORT@ -cert "$pki/rsa.pem" -key "$pki/rsa.key" \
    -cert_chain "$pki/int.pem" -tls1_3 -groups "$group" -www -msg
}

# A TLS server that runs SCRIPT (bash) for every connection, stdin/stdout = the TLS stream.
ts__start_tls_script() {
  local name=$1 var=$2 pki=$3 script=$4
  ts__launch "$name" tcp "$var" "$TS_DIR/$name.log" -- \
    socat "OPENSSL-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork,cert=$pki/rsa-chain.pem,key=$pki/rsa.key,verify=0" \
    "SYSTEM:exec bash $script"
}

ts__write_read_request() {
  cat <<'EOF'
# Read the request head (bounded: 10 s per line, at most 100 lines).
for ((n = 0; n < 100; n++)); do
  IFS= read -r -t 10 line || break
  line=${line%$'\r'}
  [[ -z $line ]] && break
done
EOF
}

ts_start_partial() {
  local pki
  pki=$(cd "${2:?ts_start_partial VAR PKI_DIR}" && pwd) || return 1
  ts_init
  {
    ts__write_read_request
    cat <<'EOF'
printf 'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n'
head -c 40000 /dev/urandom
EOF
  } >"$TS_DIR/partial.sh"
  ts__start_tls_script partial "$1" "$pki" "$TS_DIR/partial.sh"
}

ts_start_empty() {
  local pki
  pki=$(cd "${2:?ts_start_empty VAR PKI_DIR}" && pwd) || return 1
  ts_init
  ts__write_read_request >"$TS_DIR/empty.sh"
  ts__start_tls_script empty "$1" "$pki" "$TS_DIR/empty.sh"
}

# ts_start_tls_close VAR PKI_DIR: see the list at the top.
ts_start_tls_close() {
  local pki
  pki=$(cd "${2:?ts_start_tls_close VAR PKI_DIR}" && pwd) || return 1
  ts_init
  ts__launch tls-close tcp "$1" "$TS_DIR/tls-close.log" -- \
    python3 "$TS_SCRIPTS_DIR/../tests/e2e/tls_close_server.py" @PORT@ "$pki/rsa-chain.pem" "$pki/rsa.key"
}

ts_start_tls_edge() {
  local pki bin=${3:?ts_start_tls_edge VAR PKI_DIR BINARY}
  pki=$(cd "${2:?ts_start_tls_edge VAR PKI_DIR BINARY}" && pwd) || return 1
  ts_init
  ts__launch tls-edge tcp "$1" "$TS_DIR/tls-edge.log" -- "$bin" @PORT@ "$pki/rsa-chain.pem" "$pki/rsa.key"
}

# ts_start_echo VAR PKI_DIR LOG: tests/e2e/echo_server.py (what each request carried, one
# line per request in LOG; its second port in LOG.port2).
ts_start_echo() {
  local pki
  pki=$(cd "${2:?ts_start_echo VAR PKI_DIR LOG}" && pwd) || return 1
  ts_init
  : >"${3:?ts_start_echo VAR PKI_DIR LOG}"
  ts__launch echo tcp "$1" "$TS_DIR/echo.log" -- \
    python3 "$TS_SCRIPTS_DIR/../tests/e2e/echo_server.py" @PORT@ "$pki/rsa-chain.pem" "$pki/rsa.key" "$3"
}

# ts__start_logging_server NAME SCRIPT VAR LOG [PKI_DIR]: a tests/e2e Python server that
# writes its own log LOG (emptied first), plain or TLS with PKI_DIR's good RSA chain.
ts__start_logging_server() {
  local name=$1 script=$2 var=$3 log=$4 pki
  local -a tls=()
  if [[ -n ${5:-} ]]; then
    pki=$(cd "$5" && pwd) || return 1
    tls=("$pki/rsa-chain.pem" "$pki/rsa.key")
  fi
  ts_init
  : >"$log"
  ts__launch "$name" tcp "$var" "$TS_DIR/$name-$var.log" -- \
    python3 "$TS_SCRIPTS_DIR/../tests/e2e/$script" @PORT@ "$log" "${tls[@]}"
}

ts_start_slow() {
  ts__start_logging_server slow slow_server.py "${1:?ts_start_slow VAR LOG [PKI_DIR]}" \
    "${2:?ts_start_slow VAR LOG [PKI_DIR]}" "${3:-}"
}

ts_start_keepalive() {
  ts__start_logging_server keepalive keepalive_server.py "${1:?ts_start_keepalive VAR LOG [PKI_DIR]}" \
    "${2:?ts_start_keepalive VAR LOG [PKI_DIR]}" "${3:-}"
}

ts_start_mute() {
  ts_init
  ts__launch mute tcp "$1" "$TS_DIR/mute.log" -- \
    socat -u TCP-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork GOPEN:/dev/null
}

# --- self test (run directly) -------------------------------------------------------

# ts__dns_query NAME PORT: send an A query to 127.0.0.1:PORT, print the reply in hex
# (empty if none within 2 s). The query ID is 0x1234.
ts__dns_query() {
  local out='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' l
  local -a labels
  IFS=. read -ra labels <<<"$1"
  for l in "${labels[@]}"; do out+=$(printf '\\x%02x' "${#l}")$l; done
  out+='\x00\x00\x01\x00\x01'
  # shellcheck disable=SC2059
  printf "$out" | timeout 5 socat -t 2 - "UDP:127.0.0.1:$2" | od -An -tx1 | tr -d ' \n'
}
export -f ts__dns_query

ts__selftest() {
  set -uo pipefail
  local pki=${1:-} fails=0
  ts_init
  if [[ -z $pki ]]; then pki=$TS_DIR/pki; fi
  "$TS_SCRIPTS_DIR/make-pki.sh" "$pki" || return 1
  ts_start_nginx "$pki" || return 1
  ts_start_dnsmasq DNS || return 1
  ts_start_silent_dns SILENT || return 1
  ts_start_tls10 TLS10 "$pki" || return 1
  ts_start_partial PARTIAL "$pki" || return 1
  ts_start_empty EMPTY "$pki" || return 1
  ts_start_mute MUTE || return 1
  local name
  for name in "${!NGINX_PORT[@]}"; do echo "nginx $name: 127.0.0.1:${NGINX_PORT[$name]}"; done
  echo "dnsmasq: $DNS  silent dns: $SILENT  tls1.0: $TLS10  partial: $PARTIAL  empty: $EMPTY  mute: $MUTE"

  check() { # check NAME COMMAND... : the command must succeed
    local n=$1; shift
    if "$@"; then echo "ok - $n"; else echo "not ok - $n"; fails=$((fails + 1)); fi
  }
  verify() { # verify PORT EXPECTED-REGEX [s_client options...]
    local port=$1 re=$2; shift 2
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername www.example.test \
      -verify_hostname www.example.test -CAfile "$pki/root.pem" "$@" </dev/null 2>&1 | grep -E "$re" >/dev/null
  }
  check "main: chain verifies, TLSv1.3" verify "${NGINX_PORT[main]}" 'New, TLSv1.3' -verify_return_error
  check "main: TLSv1.2 too" verify "${NGINX_PORT[main]}" 'Protocol *: TLSv1.2' -tls1_2 -verify_return_error
  check "tls13: ECDSA" verify "${NGINX_PORT[tls13]}" 'Peer signature type: ECDSA' -verify_return_error
  check "tls13: refuses 1.2" bash -c "! timeout 10 openssl s_client -connect 127.0.0.1:${NGINX_PORT[tls13]} -tls1_2 </dev/null >/dev/null 2>&1"
  check "tls12: TLSv1.2" verify "${NGINX_PORT[tls12]}" 'Protocol *: TLSv1.2' -verify_return_error
  check "tls12: refuses 1.3" bash -c "! timeout 10 openssl s_client -connect 127.0.0.1:${NGINX_PORT[tls12]} -tls1_3 </dev/null >/dev/null 2>&1"
  check "expired" verify "${NGINX_PORT[expired]}" 'certificate has expired'
  check "future" verify "${NGINX_PORT[future]}" 'certificate is not yet valid'
  check "wrongname" verify "${NGINX_PORT[wrongname]}" 'hostname mismatch'
  check "selfsigned" verify "${NGINX_PORT[selfsigned]}" 'self-signed certificate'
  check "unknown" verify "${NGINX_PORT[unknown]}" 'unable to get local issuer|self-signed certificate in certificate chain'
  check "tls1.0 server speaks TLS 1.0" verify "$TLS10" 'Protocol *: TLSv1$' -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
  check "tls1.0 server refuses 1.2+" bash -c "! timeout 10 openssl s_client -connect 127.0.0.1:$TLS10 </dev/null >/dev/null 2>&1"
  if command -v curl >/dev/null; then
    local c=(curl -sS --max-time 20 --cacert "$pki/root.pem")
    local r="www.example.test:${NGINX_PORT[main]}:127.0.0.1" u="https://www.example.test:${NGINX_PORT[main]}"
    check "curl: index" bash -c "$(printf '%q ' "${c[@]}") --resolve $r $u/ | cmp -s - $TS_DOCROOT/index.html"
    check "curl: big.bin byte-exact" bash -c "$(printf '%q ' "${c[@]}") --resolve $r $u/big.bin | cmp -s - $TS_DOCROOT/big.bin"
    check "curl: chunked.bin byte-exact" bash -c "$(printf '%q ' "${c[@]}") --resolve $r $u/chunked.bin | cmp -s - $TS_DOCROOT/big.bin"
    check "curl: chunked.bin is chunked" bash -c "$(printf '%q ' "${c[@]}") -D - -o /dev/null --resolve $r $u/chunked.bin | grep -qi '^transfer-encoding: chunked'"
    check "curl: big.bin has Content-Length" bash -c "$(printf '%q ' "${c[@]}") -D - -o /dev/null --resolve $r $u/big.bin | grep -qi '^content-length: 1060921'"
    check "curl: /old -> 301 absolute" bash -c "$(printf '%q ' "${c[@]}") -D - -o /dev/null --resolve $r $u/old | grep -qi '^location: https://www.example.test/index.html'"
    check "curl: /rel -> 301 relative" bash -c "$(printf '%q ' "${c[@]}") -D - -o /dev/null --resolve $r $u/rel | grep -qi '^location: /index.html'"
    check "curl: /loop -> 301 /loop" bash -c "$(printf '%q ' "${c[@]}") -D - -o /dev/null --resolve $r $u/loop | grep -qi '^location: https://www.example.test/loop'"
    check "curl: 404" bash -c "[[ \$($(printf '%q ' "${c[@]}") -o /dev/null -w '%{http_code}' --resolve $r $u/missing) == 404 ]]"
    check "curl: partial -> 18" bash -c "$(printf '%q ' "${c[@]}") -o /dev/null --resolve www.example.test:$PARTIAL:127.0.0.1 https://www.example.test:$PARTIAL/ 2>/dev/null; [[ \$? == 18 ]]"
    check "curl: empty -> 52" bash -c "$(printf '%q ' "${c[@]}") -o /dev/null --resolve www.example.test:$EMPTY:127.0.0.1 https://www.example.test:$EMPTY/ 2>/dev/null; [[ \$? == 52 ]]"
    check "curl: mute -> 28" bash -c "curl -sS -m 2 -o /dev/null https://127.0.0.1:$MUTE/ 2>/dev/null; [[ \$? == 28 ]]"
    local m="www.example.test:${NGINX_PORT[mtls]}:127.0.0.1" mu="https://www.example.test:${NGINX_PORT[mtls]}"
    check "curl: mtls with a client certificate" bash -c "[[ \$($(printf '%q ' "${c[@]}") --resolve $m --cert $pki/client-ecdsa.pem --key $pki/client-ecdsa.key $mu/whoami) == 'verify=SUCCESS dn=CN=device-ecdsa-0001' ]]"
    check "curl: mtls without one -> 400" bash -c "[[ \$($(printf '%q ' "${c[@]}") -o /dev/null -w '%{http_code}' --resolve $m $mu/whoami) == 400 ]]"
  fi
  check "dnsmasq: www.example.test A 10.0.0.1" bash -c "ts__dns_query www.example.test $DNS | grep -q '^12348580.*0a000001\$'"
  check "dnsmasq: nosuch.example.test NXDOMAIN" bash -c "ts__dns_query nosuch.example.test $DNS | grep -Eq '^1234[0-9a-f]{3}3'"
  check "silent dns: no answer" bash -c "[[ -z \$(ts__dns_query www.example.test $SILENT) ]]"
  echo "$fails failed"
  ((fails == 0))
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-} in
    selftest) shift; ts__selftest "$@"; exit ;;
    *) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
fi
