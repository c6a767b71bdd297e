#!/usr/bin/env bash
# make-pki.sh OUT_DIR -- the test PKI of wizfetch (openssl CLI only).
#
# Idempotent: when OUT_DIR already holds a complete PKI whose good certificates are
# still valid for 30 days, it does nothing. Otherwise it (re)builds everything in a
# temporary directory and moves it into OUT_DIR. Concurrent callers are serialised
# with flock on OUT_DIR/.lock. Takes about a second.
#
# Chain: "wizfetch Test Root CA" (root.pem, what clients trust)
#          -> "wizfetch Test Intermediate CA" (int.pem)
#               -> leaves for www.example.test (subjectAltName DNS:www.example.test)
#
#   root.pem                  the trust anchor (clients: --cacert root.pem)
#   int.pem                   the intermediate CA
#   rsa.{pem,key}             RSA-2048 leaf, valid 10 years from today
#   ecdsa.{pem,key}           ECDSA P-256 leaf, valid 10 years
#   expired.{pem,key}         valid 2020-01-01 .. 2021-01-01 (in the past)
#   future.{pem,key}          valid 2040-01-01 .. 2050-01-01 (not yet valid)
#   wrongname.{pem,key}       leaf for other.example.test (SAN DNS:other.example.test)
#   selfsigned.{pem,key}      self-signed certificate for www.example.test
#   unknown-root.pem          a different root CA that nobody trusts
#   unknown.{pem,key}         leaf for www.example.test issued by unknown-root
#   <name>-chain.pem          leaf + intermediate (for servers); for unknown: leaf +
#                             unknown root; for selfsigned: the certificate alone
#   bad-ca.pem                garbage inside PEM armour (the exit-77 case)
#
# Path-validation edge cases (each with a -chain.pem for servers):
#   ip.{pem,key}              leaf with iPAddress 10.0.0.1 and 127.0.0.1 (no dNSName): accepted for those IPs
#   ipdns.{pem,key}           leaf with dNSName "10.0.0.1" and "127.0.0.1" (no iPAddress): refused for the IPs
#   wildtld.{pem,key}         leaf with dNSName "*.test" (a wildcard for a whole TLD): refused for example.test
#   caleaf.{pem,key}          leaf for www.example.test with basicConstraints CA:TRUE and keyCertSign, from the root
#   dsa-root.pem              a DSA root; dsa.{pem,key}: RSA leaf for www.example.test it signed (dsa_with_SHA256)
#   int1.pem, int2.pem        root -> "wizfetch Test Intermediate CA 1" -> "... CA 2" -> chain2.{pem,key}
#                             (www.example.test); chain2-chain.pem: leaf, int2, int1 (issuing order);
#                             chain2-swapped-chain.pem: leaf, int1, int2 (intermediates out of order)
#   odd-root.pem              a root with an unknown critical extension (parsers refuse it)
#
# Client certificates (mutual TLS), for servers with ssl_verify_client:
#   client-ca.pem             "wizfetch Test Client CA" (ECDSA P-256 root): what servers trust
#   client-ecdsa.{pem,key}    ECDSA P-256 device certificate (CN=device-ecdsa-0001), extendedKeyUsage clientAuth
#   client-rsa.{pem,key}      RSA-2048 device certificate (CN=device-rsa-0002)
#   client-rsa1024.{pem,key}  RSA-1024 device certificate (too small: refused by wizfetch)
#   client-ecdsa-enc.key      client-ecdsa.key encrypted (PKCS#8, AES-256-CBC), password "wizfetch-test"
#   client-ecdsa-bundle.pem   client-ecdsa.pem and its key in one file
#   client-ecdsa.der, client-ecdsa-key.der   the same certificate and key as DER (PKCS#8)
#   client-other.{pem,key}    ECDSA device certificate from "Unknown Test Root CA" (not the client CA)
#
# All leaves are signed with `openssl ca` (explicit -startdate/-enddate work there with
# OpenSSL 3.0; `openssl x509 -req` in 3.0 only knows -days).
set -euo pipefail

out=${1:?usage: make-pki.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

files=(root.pem int.pem rsa.pem rsa.key rsa-chain.pem ecdsa.pem ecdsa.key ecdsa-chain.pem
  expired.pem expired.key expired-chain.pem future.pem future.key future-chain.pem
  wrongname.pem wrongname.key wrongname-chain.pem selfsigned.pem selfsigned.key
  selfsigned-chain.pem unknown-root.pem unknown.pem unknown.key unknown-chain.pem bad-ca.pem
  client-ca.pem client-ecdsa.pem client-ecdsa.key client-rsa.pem client-rsa.key client-rsa1024.pem
  client-rsa1024.key client-ecdsa-enc.key client-ecdsa-bundle.pem client-ecdsa.der client-ecdsa-key.der
  client-other.pem client-other.key ip.pem ip.key ip-chain.pem ipdns.pem ipdns.key ipdns-chain.pem
  wildtld.pem wildtld.key wildtld-chain.pem caleaf.pem caleaf.key caleaf-chain.pem dsa-root.pem dsa.pem dsa.key
  dsa-chain.pem int1.pem int2.pem chain2.pem chain2.key chain2-chain.pem chain2-swapped-chain.pem odd-root.pem)
valid_for=$((30 * 86400)) # regenerate when a good certificate expires within 30 days

complete() {
  [[ -f $out/.complete ]] || return 1
  local f
  for f in "${files[@]}"; do [[ -s $out/$f ]] || return 1; done
  for f in root.pem int.pem rsa.pem ecdsa.pem wrongname.pem selfsigned.pem unknown-root.pem unknown.pem \
    client-ca.pem client-ecdsa.pem client-rsa.pem client-other.pem ip.pem ipdns.pem wildtld.pem caleaf.pem dsa.pem \
    int1.pem int2.pem chain2.pem; do
    openssl x509 -in "$out/$f" -noout -checkend "$valid_for" >/dev/null 2>&1 || return 1
  done
}

exec 9>"$out/.lock"
timeout 60 flock 9 || { echo "make-pki: could not lock $out/.lock" >&2; exit 1; }
complete && exit 0

work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# One openssl config for the CAs and every certificate profile: a section per CA
# ("ca_NAME": its database in db-NAME, its certificate and key FILE.pem, FILE.key).
for ca in root:root int:int unknown:unknown-root client:client-ca int1:int1 int2:int2 dsa:dsa-root; do
  cat <<EOF
[ ca_${ca%%:*} ]
dir              = ./db-${ca%%:*}
database         = \$dir/index.txt
serial           = \$dir/serial
new_certs_dir    = \$dir/new
certificate      = ./${ca#*:}.pem
private_key      = ./${ca#*:}.key
default_md       = sha256
policy           = policy_any
unique_subject   = no
copy_extensions  = none
email_in_dn      = no

EOF
done >openssl.cnf
cat >>openssl.cnf <<'EOF'
[ ca ]
default_ca = ca_root

[ policy_any ]
commonName             = supplied
organizationName       = optional

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = unused

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_int ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_leaf_rsa ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:www.example.test

[ v3_leaf_ec ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:www.example.test

[ v3_leaf_other ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:other.example.test

[ v3_int1 ]
basicConstraints       = critical, CA:TRUE, pathlen:1
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_odd_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
1.3.6.1.4.1.55555.7.1  = critical, ASN1:UTF8String:unknown to every parser

[ v3_leaf_ip ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = IP:10.0.0.1, IP:127.0.0.1

[ v3_leaf_ipdns ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:10.0.0.1, DNS:127.0.0.1

[ v3_leaf_wildtld ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:*.test

[ v3_leaf_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, digitalSignature, keyEncipherment, keyCertSign
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:www.example.test

[ v3_client ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_selfsigned ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
subjectAltName         = DNS:www.example.test
EOF
export OPENSSL_CONF=$work/openssl.cnf

for db in root int unknown client int1 int2 dsa; do
  mkdir -p "db-$db/new"
  : >"db-$db/index.txt"
  openssl rand -hex 8 >"db-$db/serial" # random serials: no clash between rebuilt PKIs
done

q() { "$@" >/dev/null 2>openssl.err || { cat openssl.err >&2; exit 1; }; }
rsa_key() { q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }
ec_key() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# sign CA_SECTION NAME CN EXT_SECTION START END  (dates as YYYYMMDDHHMMSSZ, or "" for today+10y)
sign() {
  local ca=$1 name=$2 cn=$3 ext=$4 start=$5 end=$6
  q openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  local dates=(-days 3650)
  [[ -n $start ]] && dates=(-startdate "$start" -enddate "$end")
  q openssl ca -batch -notext -name "$ca" -extensions "$ext" "${dates[@]}" \
    -in "$name.csr" -out "$name.pem"
}

# Roots (self-signed, 20 years).
rsa_key root.key
q openssl req -x509 -new -key root.key -subj "/CN=wizfetch Test Root CA" \
  -days 7300 -extensions v3_root -out root.pem
rsa_key unknown-root.key
q openssl req -x509 -new -key unknown-root.key -subj "/CN=Unknown Test Root CA" \
  -days 7300 -extensions v3_root -out unknown-root.pem

# Intermediate, signed by the root.
rsa_key int.key
sign ca_root int "wizfetch Test Intermediate CA" v3_int "" ""

# Leaves, signed by the intermediate.
rsa_key rsa.key;       sign ca_int rsa www.example.test v3_leaf_rsa "" ""
ec_key ecdsa.key;      sign ca_int ecdsa www.example.test v3_leaf_ec "" ""
rsa_key expired.key;   sign ca_int expired www.example.test v3_leaf_rsa 20200101000000Z 20210101000000Z
rsa_key future.key;    sign ca_int future www.example.test v3_leaf_rsa 20400101000000Z 20500101000000Z
rsa_key wrongname.key; sign ca_int wrongname other.example.test v3_leaf_other "" ""
for n in rsa ecdsa expired future wrongname; do cat "$n.pem" int.pem >"$n-chain.pem"; done

# Leaf from the untrusted root; self-signed leaf.
rsa_key unknown.key;   sign ca_unknown unknown www.example.test v3_leaf_rsa "" ""
cat unknown.pem unknown-root.pem >unknown-chain.pem
rsa_key selfsigned.key
q openssl req -x509 -new -key selfsigned.key -subj "/CN=www.example.test" \
  -days 3650 -extensions v3_selfsigned -out selfsigned.pem
cp selfsigned.pem selfsigned-chain.pem

# Path-validation edge cases: names, a CA as leaf, a DSA signature, two intermediates.
rsa_key ip.key;        sign ca_int ip 10.0.0.1 v3_leaf_ip "" ""
rsa_key ipdns.key;     sign ca_int ipdns 10.0.0.1 v3_leaf_ipdns "" ""
rsa_key wildtld.key;   sign ca_int wildtld "*.test" v3_leaf_wildtld "" ""
for n in ip ipdns wildtld; do cat "$n.pem" int.pem >"$n-chain.pem"; done
rsa_key caleaf.key;    sign ca_root caleaf www.example.test v3_leaf_ca "" ""
cp caleaf.pem caleaf-chain.pem
# 2048-bit DSA domain parameters (servers refuse smaller CA keys), made once with
# `openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048`: generating
# them takes seconds, a key from them does not.
cat >dsa.param <<'PARAMS'
-----BEGIN DSA PARAMETERS-----
MIICKAKCAQEA7g66GOPNuQwF8899FSYNCEX794Pu2JG+5enILyRCmDadDLuHkJIF
xjdCt2NVKlSmX3q0UYhDx6baw6sqiPFmjOpE+8Y7m6iTwdspK3+aNLfcBCKYhrQ5
jN3x/Ex6qhdyzRTTQ+WeHHWBpqi95OFlwymBaPAtkrkICtdBQ8ouqaFcINdcbeIc
6dSqzHjkhzHoaQLaC52CzGElL4udmbhWOzRcdPTYJ2J5kv44HdWsoCPf6tLFecMi
9mJgDuQEVYy89/aca1b8EhNULFV19Sl9We2UZqdjBUPZg6n6L3bX2zfl/dJOMv5Q
07R13exLKySJS3kzM+/gl2EtpySLmWFPlQIdANZSbDwkMA4vx90BigZPmlfyRjO4
fnT1xILS0AUCggEAHkva797iXyWluBN+Sp7FwtYWE0sj1vY6HIg3yrV1bKkrCOaX
c0DWhBHz9m5177f6J7sXqdNfutFtga2DvLg6+4qUk/PPjdaw7B6I8ornNeCIlgmP
Z0PRr9LOFsG6NxPRKxuPnwMMVFnhwSsf5eSyy5v6ZaCZ7mB3T1eRcf9mmgKjNA4u
iMPwot7Zr5ZJyLwqsGyulyDh+fwyR3BNJo5OEJZaBR4CAFeKjl81r/zqVEeaY7RN
NSTayDf+/wGuM8KafStX727DaYEj4vFTLUlqjQfP0FbiFC3V7ZP8vXSezbtXMGVk
lTUizdEQ/tTzLBocvne9KXYQkakipaJkWzo4zQ==
-----END DSA PARAMETERS-----
PARAMS
q openssl genpkey -paramfile dsa.param -out dsa-root.key
q openssl req -x509 -new -key dsa-root.key -subj "/CN=DSA Test Root CA" -days 7300 -extensions v3_root \
  -out dsa-root.pem
rsa_key dsa.key;       sign ca_dsa dsa www.example.test v3_leaf_rsa "" ""
cat dsa.pem dsa-root.pem >dsa-chain.pem
rsa_key int1.key;      sign ca_root int1 "wizfetch Test Intermediate CA 1" v3_int1 "" ""
rsa_key int2.key;      sign ca_int1 int2 "wizfetch Test Intermediate CA 2" v3_int "" ""
rsa_key chain2.key;    sign ca_int2 chain2 www.example.test v3_leaf_rsa "" ""
cat chain2.pem int2.pem int1.pem >chain2-chain.pem
cat chain2.pem int1.pem int2.pem >chain2-swapped-chain.pem
rsa_key odd-root.key
q openssl req -x509 -new -key odd-root.key -subj "/CN=wizfetch Test Odd Root CA" \
  -days 7300 -extensions v3_odd_root -out odd-root.pem

# Client certificates: a client CA of their own, devices under it, one from elsewhere.
ec_key client-ca.key
q openssl req -x509 -new -key client-ca.key -subj "/CN=wizfetch Test Client CA" \
  -days 7300 -extensions v3_root -out client-ca.pem
ec_key client-ecdsa.key;       sign ca_client client-ecdsa device-ecdsa-0001 v3_client "" ""
rsa_key client-rsa.key;        sign ca_client client-rsa device-rsa-0002 v3_client "" ""
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out client-rsa1024.key
sign ca_client client-rsa1024 device-rsa1024-0003 v3_client "" ""
ec_key client-other.key;       sign ca_unknown client-other device-other-0004 v3_client "" ""
q openssl pkey -in client-ecdsa.key -aes-256-cbc -passout pass:wizfetch-test -out client-ecdsa-enc.key
cat client-ecdsa.pem client-ecdsa.key >client-ecdsa-bundle.pem
q openssl x509 -in client-ecdsa.pem -outform DER -out client-ecdsa.der
q openssl pkey -in client-ecdsa.key -outform DER -out client-ecdsa-key.der

# Garbage in PEM armour: no certificate can be parsed from it.
cat >bad-ca.pem <<'EOF'
-----BEGIN CERTIFICATE-----
This is not a certificate. wizfetch must refuse to use it as a trust anchor!
-----END CERTIFICATE-----
EOF

# Sanity: the good chains verify, the bad ones fail the way they should.
q openssl verify -CAfile root.pem -untrusted int.pem rsa.pem ecdsa.pem wrongname.pem ip.pem
q openssl verify -CAfile root.pem -untrusted chain2-swapped-chain.pem chain2.pem
q openssl verify -CAfile client-ca.pem client-ecdsa.pem client-rsa.pem

rm -f "$out/.complete"
cp "${files[@]}" root.key int.key unknown-root.key client-ca.key "$out"/
chmod 644 "$out"/*.pem "$out"/*.key "$out"/*.der
touch "$out/.complete"
