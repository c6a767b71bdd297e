#!/usr/bin/env bash
# ca_store_certs.sh OUT_DIR -- certificates for test_ca_store (openssl, EC P-256, ~1 s):
#   roll-a.der, roll-b.der   two roots with the same subject "CN=Rollover Root" and
#                            different keys (a CA's key rollover)
#   leaf-b.der               a leaf issued by roll-b's key
#   other.der                a root with another subject; leaf-other.der issued by it
#   ed25519.der              a root whose key type the build lacks (Ed25519)
# and for test_peer_check (src/tls/peer_check.c):
#   names.der                leaf with dNSName www.example.test, *.example.test, *.test,
#                            192.168.1.1 and iPAddress 10.0.0.1 (from other)
#   cn-only.der, cn-ip.der   leaves without subjectAltName, CN host.example.test / 10.0.0.1
#   ca-leaf.der              leaf with basicConstraints CA:TRUE
#   certsign-leaf.der        leaf with CA:FALSE but keyUsage keyCertSign
#   int-1.der, int-2.der     other -> int-1 -> int-2 -> leaf-deep.der (leaf.example.test)
set -euo pipefail
out=$1
mkdir -p "$out"
cd "$out"
q() { "$@" >/dev/null 2>openssl.err || { cat openssl.err >&2; exit 1; }; }
key() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
root() { # root KEY SUBJECT OUT
  q openssl req -x509 -new -key "$1" -subj "$2" -days 7300 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$3.pem"
  q openssl x509 -in "$3.pem" -outform DER -out "$3.der"
}
leaf() { # leaf CA_NAME CA_KEY OUT
  key "$3.key"
  q openssl req -new -key "$3.key" -subj "/CN=leaf.example.test" -out "$3.csr"
  printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:leaf.example.test\n' >ext.cnf
  q openssl x509 -req -in "$3.csr" -CA "$1.pem" -CAkey "$2" -CAcreateserial -days 3650 -sha256 \
    -extfile ext.cnf -out "$3.pem"
  q openssl x509 -in "$3.pem" -outform DER -out "$3.der"
}
key a.key
key b.key
key o.key
root a.key "/CN=Rollover Root/O=wizfetch tests" roll-a
root b.key "/CN=Rollover Root/O=wizfetch tests" roll-b
root o.key "/CN=Other Root/O=wizfetch tests" other
leaf roll-b b.key leaf-b
leaf other o.key leaf-other
# signed CA_NAME CA_KEY OUT SUBJECT EXTENSIONS (one per line)
signed() {
  key "$3.key"
  q openssl req -new -key "$3.key" -subj "$4" -out "$3.csr"
  printf '%b\n' "$5" >ext.cnf
  q openssl x509 -req -in "$3.csr" -CA "$1.pem" -CAkey "$2" -CAcreateserial -days 3650 -sha256 \
    -extfile ext.cnf -out "$3.pem"
  q openssl x509 -in "$3.pem" -outform DER -out "$3.der"
}
signed other o.key names "/CN=names" \
  "subjectAltName=DNS:www.example.test,DNS:*.example.test,DNS:*.test,DNS:192.168.1.1,IP:10.0.0.1"
signed other o.key cn-only "/CN=host.example.test" "basicConstraints=critical,CA:FALSE"
signed other o.key cn-ip "/CN=10.0.0.1" "basicConstraints=critical,CA:FALSE"
signed other o.key ca-leaf "/CN=leaf.example.test" \
  "basicConstraints=critical,CA:TRUE\nsubjectAltName=DNS:leaf.example.test"
signed other o.key certsign-leaf "/CN=leaf.example.test" \
  "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyCertSign\nsubjectAltName=DNS:leaf.example.test"
signed other o.key int-1 "/CN=Intermediate 1/O=wizfetch tests" \
  "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign"
signed int-1 int-1.key int-2 "/CN=Intermediate 2/O=wizfetch tests" \
  "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign"
signed int-2 int-2.key leaf-deep "/CN=leaf.example.test" \
  "basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:leaf.example.test"
q openssl genpkey -algorithm ED25519 -out ed.key
root ed.key "/CN=Ed25519 Root" ed25519
rm -f openssl.err ./*.csr ./*.srl ext.cnf
