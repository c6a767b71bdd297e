#!/usr/bin/env bash
# ca_store_certs.sh OUT_DIR -- certificates for test_ca_store (openssl, EC P-256, ~1 s):
#   roll-a.der, roll-b.der   two roots with the same subject "CN=Rollover Root" and
#                            different keys (a CA's key rollover)
#   leaf-b.der               a leaf issued by roll-b's key
#   other.der                a root with another subject; leaf-other.der issued by it
#   ed25519.der              a root whose key type the build lacks (Ed25519)
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
q openssl genpkey -algorithm ED25519 -out ed.key
root ed.key "/CN=Ed25519 Root" ed25519
rm -f openssl.err ./*.csr ext.cnf
