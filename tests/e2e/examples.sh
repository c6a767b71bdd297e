#!/usr/bin/env bash
# tests/e2e/examples.sh BUILD_DIR PKI_DIR -- the example programs (examples/) against
# real servers, so that they cannot rot: superloop_fetch fetches the test page from
# nginx (TLS, the test PKI's root) while its loop keeps ticking; its output must hold
# the page, a 200, and ticks counted while the fetch ran.
set -uo pipefail
build=$1 pki=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/test-servers.sh
source "$here/../../scripts/test-servers.sh"
ts_start_nginx "$pki"
passed=0 failed=0
out=$TS_DIR/superloop.out
timeout -k 5 60 "$build/examples/superloop_fetch" "$pki/root.pem" https://www.example.test/ \
  "10.0.0.1:443=127.0.0.1:${NGINX_PORT[main]}" >"$out" 2>&1
rc=$?
why=()
((rc == 0)) || why+=("exit $rc")
grep -q '</html>' "$out" || why+=("no page")
grep -Eq '^superloop_fetch: done, HTTP 200, [0-9]+ body bytes; [1-9][0-9]* ticks' "$out" || why+=("no result line with ticks")
if ((${#why[@]} == 0)); then
  echo "ok - superloop_fetch: the page over TLS while the main loop ticks"
  passed=1
else
  echo "not ok - superloop_fetch: ${why[*]}"
  sed 's/^/#   /' "$out" | tail -n 15
  failed=1
fi
echo "$passed passed, $failed failed"
((failed == 0))
