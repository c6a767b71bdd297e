#!/usr/bin/env bash
# Obtain the mbedTLS 3.6 LTS source from Debian's source package (trixie) into
# third_party/ (git-ignored) and print the tree's path. The system's apt setup
# is untouched: a private sources list, state and cache directory are used.
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
dest=${1:-$top/third_party}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# Already there? Any 3.6.x tree will do.
for tree in "$dest"/mbedtls-3.6.*; do
  if [[ -f $tree/include/mbedtls/ssl.h && -f $tree/.wizfetch-complete ]]; then
    echo "$tree"
    exit 0
  fi
done

apt_dir=$dest/.apt
mkdir -p "$apt_dir"/state/lists/partial "$apt_dir"/cache/archives/partial "$apt_dir"/etc "$apt_dir"/download
cat >"$apt_dir"/etc/sources.list <<'LIST'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
LIST
apt_opts=(
  -o Dir::Etc::sourcelist="$apt_dir/etc/sources.list"
  -o Dir::Etc::sourceparts=/dev/null
  -o Dir::State="$apt_dir/state"
  -o Dir::Cache="$apt_dir/cache"
  -o APT::Sandbox::User=root
  -o Debug::NoLocking=1
)
echo "fetch-mbedtls: downloading Debian's mbedtls source package (trixie)" >&2
apt-get "${apt_opts[@]}" -qq update >&2
# apt-get checks the downloaded files against the signed index.
(cd "$apt_dir"/download && apt-get "${apt_opts[@]}" -qq source --download-only mbedtls >&2)

orig=$(ls "$apt_dir"/download/mbedtls_3.6.*.orig.tar.* 2>/dev/null | head -n 1)
[[ -n $orig ]] || { echo "fetch-mbedtls: trixie no longer carries mbedtls 3.6.x" >&2; exit 1; }
tar -xf "$orig" -C "$dest"
tree=$(ls -d "$dest"/mbedtls-3.6.* | head -n 1)
[[ -f $tree/include/mbedtls/ssl.h ]] || { echo "fetch-mbedtls: unexpected tarball layout" >&2; exit 1; }
touch "$tree/.wizfetch-complete"
rm -rf "$apt_dir"/download
echo "$tree"
