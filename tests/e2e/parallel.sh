#!/usr/bin/env bash
# tests/e2e/parallel.sh WIZFETCH_BINARY -- transfers at once (-Z/--parallel) of the wizfetch
# command, with `curl -Z` as the reference on the same servers.
#
# The server is tests/e2e/slow_server.py (plain http, and TLS with the test PKI's RSA
# chain): /slow/NAME answers after 2 s, /fast/NAME at once, other paths 404; it logs
# when each connection opens, its request arrives, its answer goes out and it closes, so
# a case sees how many requests were in progress at once.
# Each case runs wizfetch, then curl 7.88 on the same case, and compares: the time,
# what the server saw, the files written, stdout and the exit code.
#
# curl holds later transfers to the same host back until the first tells whether it
# can multiplex (plain http: until its response head; https: its ALPN), unless
# --parallel-immediate; wizfetch (HTTP/1.1 only) never does, so curl runs with
# --parallel-immediate where the timing is compared.
#
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
command -v curl >/dev/null || setup_failed "curl not found"

ts_init
work=$TS_DIR/parallel
mkdir -p "$work"
HTTP_LOG=$work/http.log
HTTPS_LOG=$work/https.log
ts_start_slow HTTP_PORT "$HTTP_LOG" || setup_failed "slow server (http)"
ts_start_slow HTTPS_PORT "$HTTPS_LOG" "$pki" || setup_failed "slow server (https)"
ts_free_port REFUSED_PORT || setup_failed "free port"

ERR=$work/err
# Set by `timed` (through namerefs).
rc=0 crc=0 ms=0 cms=0 single_ms=0 curl_single_ms=0 ms100=0 ms500=0
case_on_fail() { [[ -s $ERR ]] && tail -n 5 "$ERR" | sed 's/^/# /'; }

# set_scheme http|https: BASE (the URL prefix), LOG (the server's), WF and CURL (the
# options that take each client there: wizfetch through the chip model's 10.0.0.1).
set_scheme() {
  SCHEME=$1
  if [[ $1 == http ]]; then
    BASE=http://www.example.test:$HTTP_PORT LOG=$HTTP_LOG port=$HTTP_PORT
  else
    BASE=https://www.example.test:$HTTPS_PORT LOG=$HTTPS_LOG port=$HTTPS_PORT
  fi
  WF=(--cacert "$pki/root.pem" --resolve "www.example.test:$port:10.0.0.1"
    --map "10.0.0.1:$port=127.0.0.1:$port" --map "10.0.0.1:$REFUSED_PORT=127.0.0.1:$REFUSED_PORT")
  CURL=(--cacert "$pki/root.pem" --resolve "www.example.test:$port:127.0.0.1")
}

# timed DIR RCVAR MSVAR -- COMMAND...: run COMMAND in DIR (stdout DIR/out, stderr $ERR),
# bounded; its exit code and wall time in ms into the variables.
timed() {
  local dir=$1 t0
  local -n _rc=$2 _ms=$3
  shift 4
  mkdir -p "$dir"
  t0=$(date +%s%N)
  (cd "$dir" && timeout -k 5 40 "$@" >out 2>"$ERR")
  _rc=$?
  _ms=$((($(date +%s%N) - t0) / 1000000))
}

# max_open: the most requests the server had in progress at once (from a request's head
# to its answer) since the log was cleared; by the times logged, an answer before a
# request at the same millisecond (the server takes an answer's time before sending it).
max_open() {
  awk '$1 == "request" { print $3, 1 } $1 == "answer" { print $3, 0 }' "$LOG" | sort -n -k1,1 -k2,2 |
    awk '$2 == 1 { n++; if (n > m) m = n } $2 == 0 { n-- } END { print m + 0 }'
}
connections() { grep -c '^open ' "$LOG"; }

for scheme in http https; do
  set_scheme "$scheme"

  # One request alone: the time every "at once" is compared with.
  begin "one slow request alone ($SCHEME)"
  if ((!SKIP)); then
    : >"$LOG"
    timed "$work/one-$SCHEME" rc single_ms -- "$bin" -sS "${WF[@]}" "$BASE/slow/one"
    ((rc == 0)) || fail "exit $rc"
    [[ $(cat "$work/one-$SCHEME/out") == "slow one" ]] || fail "body '$(cat "$work/one-$SCHEME/out")'"
    timed "$work/one-curl-$SCHEME" rc curl_single_ms -- curl -sS "${CURL[@]}" "$BASE/slow/one"
    ((rc == 0)) || fail "curl: exit $rc"
    CASE_NOTE=" (wizfetch ${single_ms} ms, curl ${curl_single_ms} ms)"
  fi
  end

  # Three URLs that each answer after 2 s: about 2 s, not 6, on three connections open
  # at once; the same with curl -Z.
  begin "three slow URLs at once ($SCHEME)"
  if ((!SKIP)); then
    : >"$LOG"
    timed "$work/three-$SCHEME" rc ms -- "$bin" -sS -Z "${WF[@]}" "$BASE/slow/a" "$BASE/slow/b" "$BASE/slow/c"
    ((rc == 0)) || fail "exit $rc"
    ((ms < 2 * single_ms)) || fail "${ms} ms, not under twice one request (${single_ms} ms)"
    [[ $(connections) == 3 && $(max_open) == 3 ]] ||
      fail "the server saw $(connections) connections, at most $(max_open) requests at once (want 3, 3)"
    sort "$work/three-$SCHEME/out" >"$work/three-$SCHEME.sorted"
    printf 'slow a\nslow b\nslow c\n' | cmp -s - "$work/three-$SCHEME.sorted" || fail "stdout: $(tr '\n' '|' <"$work/three-$SCHEME/out")"
    : >"$LOG"
    timed "$work/three-curl-$SCHEME" crc cms -- curl -sS --no-progress-meter -Z --parallel-immediate "${CURL[@]}" \
      "$BASE/slow/a" "$BASE/slow/b" "$BASE/slow/c"
    ((crc == 0)) || fail "curl: exit $crc"
    ((cms < 2 * curl_single_ms)) || fail "curl: ${cms} ms, not under twice one request"
    [[ $(connections) == 3 && $(max_open) == 3 ]] || fail "curl: the server saw $(connections) connections, $(max_open) at once"
    CASE_NOTE=" (wizfetch ${ms} ms, curl -Z ${cms} ms; one request ${single_ms} ms)"
  fi
  end

  # --parallel-max 1: one at a time, as curl.
  begin "--parallel-max 1 ($SCHEME)"
  if ((!SKIP)); then
    for client in wizfetch curl; do
      : >"$LOG"
      if [[ $client == wizfetch ]]; then
        timed "$work/max1-$SCHEME" rc ms -- "$bin" -sS -Z --parallel-max 1 "${WF[@]}" "$BASE/slow/a" "$BASE/fast/b"
      else
        timed "$work/max1-curl-$SCHEME" rc ms -- curl -sS --no-progress-meter -Z --parallel-immediate \
          --parallel-max 1 "${CURL[@]}" "$BASE/slow/a" "$BASE/fast/b"
      fi
      ((rc == 0)) || fail "$client: exit $rc"
      [[ $(max_open) == 1 && $(connections) == 2 ]] || fail "$client: $(connections) connections, $(max_open) at once (want 2, 1)"
    done
    cmp -s "$work/max1-$SCHEME/out" "$work/max1-curl-$SCHEME/out" || fail "stdout differs from curl's"
  fi
  end

  # The files: -O and -o paired with the URLs in order, the rest to stdout; each
  # body whole in its own place, as curl writes them. stdout takes bodies as they
  # end (the fast one first).
  begin "-O, -o and stdout with several URLs ($SCHEME)"
  if ((!SKIP)); then
    for client in wizfetch curl; do
      d=$work/files-$client-$SCHEME
      if [[ $client == wizfetch ]]; then
        timed "$d" rc ms -- "$bin" -sS -Z "${WF[@]}" -O "$BASE/slow/a" -o named "$BASE/fast/b" "$BASE/slow/c" "$BASE/fast/d"
      else
        timed "$d" rc ms -- curl -sS --no-progress-meter -Z --parallel-immediate "${CURL[@]}" \
          -O "$BASE/slow/a" -o named "$BASE/fast/b" "$BASE/slow/c" "$BASE/fast/d"
      fi
      ((rc == 0)) || fail "$client: exit $rc"
      [[ $(cat "$d/a" 2>/dev/null) == "slow a" ]] || fail "$client: -O file a"
      [[ $(cat "$d/named" 2>/dev/null) == "fast b" ]] || fail "$client: -o named"
      [[ $(head -n 1 "$d/out") == "fast d" && $(tail -n 1 "$d/out") == "slow c" ]] ||
        fail "$client: stdout '$(tr '\n' '|' <"$d/out")', want 'fast d|slow c|'"
    done
  fi
  end

  # One URL fails: the others complete, and the exit code is the failure's; with two
  # failures, the one that ends last (curl 7.88: the last non-zero result in the
  # order the transfers end).
  begin "exit code when one URL fails ($SCHEME)"
  if ((!SKIP)); then
    refused=http://www.example.test:$REFUSED_PORT/x
    [[ $SCHEME == https ]] && refused=https://www.example.test:$REFUSED_PORT/x
    WF+=(--resolve "www.example.test:$REFUSED_PORT:10.0.0.1")
    CURL+=(--resolve "www.example.test:$REFUSED_PORT:127.0.0.1")
    # want: exit code, then the URLs (every one -O: "slow a" must be in a whatever fails)
    while read -r want args; do
      read -r -a urls <<<"${args//@/$BASE}"
      urls=("${urls[@]//REFUSED/$refused}")
      rm -rf "$work/fail-$SCHEME" "$work/fail-curl-$SCHEME"
      timed "$work/fail-$SCHEME" rc ms -- "$bin" -s -Z -f "${WF[@]}" --remote-name-all "${urls[@]}"
      timed "$work/fail-curl-$SCHEME" crc cms -- curl -s --no-progress-meter -Z --parallel-immediate -f "${CURL[@]}" \
        --remote-name-all "${urls[@]}"
      ((rc == want && crc == want)) || fail "${args}: wizfetch exit $rc, curl $crc (want $want)"
      for d in "$work/fail-$SCHEME" "$work/fail-curl-$SCHEME"; do
        if [[ $args == *slow/a* && $(cat "$d/a" 2>/dev/null) != "slow a" ]]; then
          fail "${args}: $(basename "$d"): no file a with 'slow a'"
        fi
        [[ ! -e $d/missing && ! -e $d/x ]] || fail "${args}: $(basename "$d"): a file for a failed URL"
      done
    done <<EOT
22 @/slow/a @/missing
22 @/missing @/slow/a
7 @/slow/a REFUSED
22 REFUSED @/missing
22 @/missing REFUSED
EOT
  fi
  end
done

# More URLs than the chip has sockets: the W5100 has 4, so 6 slow URLs run 4 at once
# and 2 after (about 4 s); on a W5500 (8 sockets) all 6 at once (about 2 s). Beyond
# that cap wizfetch queues the URLs, as curl does beyond --parallel-max.
set_scheme http
begin "more URLs than the chip's sockets (W5100, W5500)"
if ((!SKIP)); then
  six=("$BASE/slow/1" "$BASE/slow/2" "$BASE/slow/3" "$BASE/slow/4" "$BASE/slow/5" "$BASE/slow/6")
  : >"$LOG"
  timed "$work/six-w5100" rc ms100 -- "$bin" -sS -Z "${WF[@]}" "${six[@]}"
  ((rc == 0)) || fail "W5100: exit $rc"
  [[ $(max_open) == 4 && $(connections) == 6 ]] || fail "W5100: $(connections) connections, $(max_open) at once (want 6, 4)"
  ((ms100 >= 3800 && ms100 < 6000)) || fail "W5100: ${ms100} ms (want two rounds of 2 s)"
  : >"$LOG"
  timed "$work/six-w5500" rc ms500 -- "$bin" -sS -Z --chip w5500 "${WF[@]}" "${six[@]}"
  ((rc == 0)) || fail "W5500: exit $rc"
  [[ $(max_open) == 6 ]] || fail "W5500: $(max_open) at once (want 6)"
  ((ms500 < 3800)) || fail "W5500: ${ms500} ms (want one round of 2 s)"
  [[ $(wc -l <"$work/six-w5500/out") == 6 ]] || fail "W5500: not six bodies"
  CASE_NOTE=" (W5100 ${ms100} ms, W5500 ${ms500} ms)"
fi
end

# --parallel-max values: as curl 7.88 takes them (0: the default; above 300: 300; not a
# whole number: exit 2).
begin "--parallel-max values"
if ((!SKIP)); then
  for v in 0 1 300 1000 -1 abc 2.5; do
    timed "$work/pmax" rc ms -- "$bin" -s -Z --parallel-max "$v" "${WF[@]}" "$BASE/fast/x"
    timed "$work/pmax-curl" crc cms -- curl -s --no-progress-meter -Z --parallel-max "$v" "${CURL[@]}" "$BASE/fast/x"
    ((rc == crc)) || fail "--parallel-max $v: exit $rc, curl $crc"
  done
fi
end

summary ""
