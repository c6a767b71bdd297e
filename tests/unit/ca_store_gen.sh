#!/usr/bin/env bash
# ca_store_gen.sh CERT_DIR -- scripts/ca-store.py at build time: damaged input stops the
# build, unusable certificates are listed and left out, duplicates are kept once, and
# the store it writes compiles. CERT_DIR is made by ca_store_certs.sh.
set -uo pipefail
certs=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gen=$here/../../scripts/ca-store.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then echo "ok - $name"; passed=$((passed + 1)); else echo "not ok - $name"; sed 's/^/#   /' "$work/log"; failed=$((failed + 1)); fi
}
gen() { python3 "$gen" "$@" >"$work/log" 2>&1; }
has() { grep -Eq -- "$1" "$work/log"; }

good=$certs/roll-a.pem
gen -o "$work/one.c" "$good" "$good" "$certs/other.pem"
check "two good roots (one given twice) -> 2 roots" bash -c "[[ $? == 0 ]] && grep -q 'ca-store: 2 roots' '$work/log'"
# The store compiles (the host compiler, against the public header).
check "the generated store compiles" cc -std=c11 -Wall -Werror -c -I "$here/../../include" "$work/one.c" -o "$work/one.o"

gen -o "$work/ed.c" "$good" "$certs/ed25519.pem"
rc=$?
check "an Ed25519 root is listed and left out, the build goes on" \
  bash -c "(( $rc == 0 )) && grep -q 'left out (unsupported signature algorithm Ed25519): Ed25519 Root' '$work/log' && grep -q '1 roots' '$work/log'"

# Damage: a broken base64 character, DER cut short, no certificate at all.
{ echo '-----BEGIN CERTIFICATE-----'; sed '1d;$d' "$good" | sed '3s/^./!/'; echo '-----END CERTIFICATE-----'; } >"$work/b64.pem"
gen -o "$work/x.c" "$good" "$work/b64.pem"
rc=$?
check "bad base64 stops the build" bash -c "(( $rc == 1 )) && grep -q 'b64.pem: certificate 1: bad base64' '$work/log'"
{ echo '-----BEGIN CERTIFICATE-----'; openssl x509 -in "$good" -outform DER | head -c 300 | base64 -w 64; echo '-----END CERTIFICATE-----'; } >"$work/cut.pem"
gen -o "$work/x.c" "$work/cut.pem"
rc=$?
check "truncated DER stops the build" bash -c "(( $rc == 1 )) && grep -q 'cut.pem: certificate 1: truncated DER' '$work/log'"
echo "no certificate here" >"$work/none.pem"
gen -o "$work/x.c" "$work/none.pem"
rc=$?
check "a file without a certificate stops the build" bash -c "(( $rc == 1 )) && grep -q 'no PEM certificate' '$work/log'"
check "a failed run writes no store" test ! -e "$work/x.c"

# The small profile: P-256 and SHA-256 only. A P-384 root signed with SHA-384 is left out.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$work/p384.key" -subj "/CN=P384 Root" \
  -days 30 -sha384 -out "$work/p384.pem" >/dev/null 2>&1
gen --profile small -o "$work/s.c" "$good" "$work/p384.pem"
rc=$?
check "small profile: a P-384/SHA-384 root is left out" \
  bash -c "(( $rc == 0 )) && grep -q 'left out (unsupported signature algorithm ecdsa-with-SHA384): P384 Root' '$work/log'"
gen --profile full -o "$work/f.c" "$good" "$work/p384.pem"
check "full profile: the same root is kept" has 'ca-store: 2 roots'

# SHA-1 (a board's full profile has it only when a root needs it, CMakeLists.txt):
# --needs-sha1 says so; --no-sha1 leaves a SHA-1-signed root out, listed.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/sha1.key" -subj "/CN=SHA1 Root" -days 30 -sha1 \
  -out "$work/sha1.pem" >/dev/null 2>&1
gen --profile full --needs-sha1 "$good"
check "--needs-sha1: a SHA-256 root alone -> no" bash -c "[[ \$(cat '$work/log') == no ]]"
gen --profile full --needs-sha1 "$good" "$work/sha1.pem"
check "--needs-sha1: with a SHA-1-signed root -> yes" bash -c "[[ \$(cat '$work/log') == yes ]]"
gen --profile full --no-sha1 -o "$work/n.c" "$good" "$work/sha1.pem"
rc=$?
check "--no-sha1: the SHA-1-signed root is left out, listed" \
  bash -c "(( $rc == 0 )) && grep -q 'left out (unsupported signature algorithm sha1WithRSAEncryption): SHA1 Root' '$work/log' && grep -q 'ca-store: 1 roots' '$work/log'"
# MBEDTLS_MPI_MAX_SIZE is 512 bytes: RSA keys up to 4096 bits (one of 4160 bits is left out).
for bits in 4096 4160; do
  openssl req -x509 -newkey rsa:$bits -nodes -keyout "$work/r$bits.key" -subj "/CN=RSA$bits Root" -days 30 \
    -sha256 -out "$work/r$bits.pem" >/dev/null 2>&1
done
gen --profile full -o "$work/r.c" "$good" "$work/r4096.pem" "$work/r4160.pem"
check "RSA-4096 root kept, RSA-4160 left out (MPIs up to 4096 bits)" \
  bash -c "grep -q 'left out (unsupported RSA key of 4160 bits): RSA4160 Root' '$work/log' && grep -q 'ca-store: 2 roots' '$work/log'"

echo "$passed passed, $failed failed"
((failed == 0))
