#!/usr/bin/env bash
# Obtain the mbedTLS 3.6 LTS source from Debian's source package (trixie) into
# third_party/ (git-ignored) and print the tree's path
# (scripts/fetch-debian-source.sh does the download).
# Set MBEDTLS_SOURCE_DIR to use an existing tree instead.
#
# Usage: scripts/fetch-mbedtls.sh [DEST_DIR]   (default: third_party)
set -euo pipefail

if [[ -n ${MBEDTLS_SOURCE_DIR:-} ]]; then
  [[ -f $MBEDTLS_SOURCE_DIR/include/mbedtls/ssl.h ]] || {
    echo "fetch-mbedtls: MBEDTLS_SOURCE_DIR=$MBEDTLS_SOURCE_DIR has no include/mbedtls/ssl.h" >&2; exit 1; }
  echo "$MBEDTLS_SOURCE_DIR"
  exit 0
fi

top=$(cd "$(dirname "$0")/.." && pwd)
# Any 3.6.x tree will do.
exec "$top"/scripts/fetch-debian-source.sh mbedtls 'mbedtls-3.6.*' include/mbedtls/ssl.h "${1:-$top/third_party}"
