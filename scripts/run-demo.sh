#!/usr/bin/env bash
# run-demo.sh BUILD_DIR -- the main job: an HTTPS fetch by the whole firmware stack.
#
# Makes the test PKI (BUILD_DIR/pki), starts nginx (TLS 1.2+1.3, RSA leaf +
# intermediate) and dnsmasq on random loopback ports, and runs
#   BUILD_DIR/apps/wizfetch -v --cacert root.pem --dns 10.0.0.53 ... https://www.example.test/
# through the modelled W5100, whose network maps www.example.test = 10.0.0.1:443 and the
# DNS server 10.0.0.53:53 to those ports. wizfetch prints the certificate summary, the
# response headers and the page. Everything is stopped afterwards, also on Ctrl-C.
set -euo pipefail
build=${1:-build/host}
build=$(cd "$build" && pwd)
scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wizfetch=$build/apps/wizfetch
[[ -x $wizfetch ]] || { echo "demo: $wizfetch not built (make build)" >&2; exit 1; }

# shellcheck source=SCRIPTDIR/test-servers.sh
source "$scripts/test-servers.sh" # traps EXIT/INT/TERM: stops the servers

pki=$build/pki
"$scripts/make-pki.sh" "$pki"
ts_start_nginx "$pki"
ts_start_dnsmasq DNS_PORT
https_port=${NGINX_PORT[main]}

echo "https server: nginx on 127.0.0.1:${https_port}, in the chip's network www.example.test = 10.0.0.1:443"
echo "dns server:   dnsmasq on 127.0.0.1:${DNS_PORT}, in the chip's network 10.0.0.53:53"
echo "trust anchor: $pki/root.pem (the server sends leaf + intermediate)"
echo
rc=0
timeout --foreground -k 5 120 "$wizfetch" -v --cacert "$pki/root.pem" \
  --dns 10.0.0.53 --map "10.0.0.53:53=127.0.0.1:${DNS_PORT}" \
  --map "10.0.0.1:443=127.0.0.1:${https_port}" \
  https://www.example.test/ || rc=$?
exit "$rc"
