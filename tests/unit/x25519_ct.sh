#!/usr/bin/env bash
# Constant time of the X25519 ladders, checked with valgrind memcheck
# (tests/unit/x25519_ct.c marks the secret scalar undefined; memcheck reports
# each conditional jump or memory index that depends on it):
#   libsodium's ladder, as wizfetch uses it: no report at all (the check fails
#   otherwise);
#   mbedTLS's own X25519, for comparison: reported (its bignum reductions and
#   comparisons branch on values that depend on the scalar). This also shows
#   that the check can fail.
# Usage: x25519_ct.sh VALGRIND X25519_CT_BINARY
set -euo pipefail
valgrind=$1 bin=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT

errors() { sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors from \([0-9]*\) contexts.*/\1 errors, \2 places/p' "$log"; }

rc=0
"$valgrind" --error-exitcode=99 --log-file="$log" "$bin" sodium || rc=$?
echo "libsodium ref10 ladder: $(errors)"
if ((rc != 0)); then
  cat "$log" >&2
  echo "x25519_ct: libsodium's ladder failed the check (exit $rc)" >&2
  exit 1
fi

rc=0
"$valgrind" --error-exitcode=99 --log-file="$log" "$bin" mbedtls || rc=$?
echo "mbedTLS's X25519 (comparison): $(errors)"
if ((rc != 99)); then
  echo "x25519_ct: memcheck found no secret-dependent branch in mbedTLS's X25519 (exit $rc): is the check still working?" >&2
  exit 1
fi
echo "x25519_ct: ok"
