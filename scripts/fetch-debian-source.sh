#!/usr/bin/env bash
# Obtain an upstream source tree from Debian's source package (trixie): the
# package's .orig tarball, checked by apt-get against the signed index, unpacked
# into DEST_DIR (git-ignored third_party/). Prints the tree's path. The system's
# apt setup is untouched: a private sources list, state and cache directory are
# used. A tree already unpacked (marked complete) is reused.
#
# Usage: scripts/fetch-debian-source.sh PACKAGE TREE_GLOB CHECK_FILE DEST_DIR
#   PACKAGE     Debian source package (mbedtls, libsodium)
#   TREE_GLOB   the unpacked tree's directory name, e.g. 'mbedtls-3.6.*'
#   CHECK_FILE  a file every good tree has, relative to it (include/mbedtls/ssl.h)
set -euo pipefail

[[ $# -eq 4 ]] || { echo "usage: $0 PACKAGE TREE_GLOB CHECK_FILE DEST_DIR" >&2; exit 2; }
package=$1 tree_glob=$2 check=$3 dest=$4
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# Already there?
for tree in "$dest"/$tree_glob; do
  if [[ -f $tree/$check && -f $tree/.wizfetch-complete ]]; then
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
echo "fetch-debian-source: downloading Debian's $package source package (trixie)" >&2
apt-get "${apt_opts[@]}" -qq update >&2
# apt-get checks the downloaded files against the signed index.
(cd "$apt_dir"/download && rm -f ./* && apt-get "${apt_opts[@]}" -qq source --download-only "$package" >&2)

orig=$(ls "$apt_dir"/download/"${package}"_*.orig.tar.* 2>/dev/null | head -n 1)
[[ -n $orig ]] || { echo "fetch-debian-source: no $package .orig tarball downloaded" >&2; exit 1; }
tar -xf "$orig" -C "$dest"
tree=$(ls -d "$dest"/$tree_glob 2>/dev/null | head -n 1)
[[ -n $tree && -f $tree/$check ]] || {
  echo "fetch-debian-source: $package: no $tree_glob/$check in $(basename "$orig") (trixie moved on?)" >&2; exit 1; }
touch "$tree/.wizfetch-complete"
rm -rf "$apt_dir"/download
echo "$tree"
