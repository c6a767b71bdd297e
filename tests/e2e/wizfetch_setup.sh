# tests/e2e/wizfetch_setup.sh -- the common set-up of the scripts that test the wizfetch
# command (run.sh, resume.sh). Sourced as `source "$here/wizfetch_setup.sh" "$@"` by a
# script whose one argument is WIZFETCH_BINARY; it sets:
#   name   the script's name (messages)         bin   the binary, absolute
#   repo   the repository                       pki   the test PKI, made if needed:
#          $WF_PKI_DIR, else BUILD/pki next to the binary's apps/ directory, else
#          build/pki in the repository
# and setup_failed() (message, exit 2). The servers' library (scripts/test-servers.sh)
# is loaded; CURL_CA_BUNDLE and SSL_CERT_FILE are unset (the cases give their trust).
name=$(basename "$0")
setup_failed() { echo "$name: set-up failed: $*" >&2; exit 2; }
if [[ $# -ne 1 ]]; then
  echo "usage: $0 WIZFETCH_BINARY" >&2
  exit 2
fi
bin=$(realpath -e "$1" 2>/dev/null) || { echo "$name: no such file: $1" >&2; exit 2; }
[[ -x $bin ]] || { echo "$name: not executable: $bin" >&2; exit 2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/test-servers.sh
source "$repo/scripts/test-servers.sh"
# Trust anchors come from the environment when no option names them (as in curl):
# the cases set these themselves, so the caller's values must not leak in.
unset CURL_CA_BUNDLE SSL_CERT_FILE
if [[ -n ${WF_PKI_DIR:-} ]]; then
  pki=$WF_PKI_DIR
elif [[ $(basename "$(dirname "$bin")") == apps ]]; then
  pki=$(dirname "$(dirname "$bin")")/pki # BUILD/apps/wizfetch -> BUILD/pki
else
  pki=$repo/build/pki
fi
"$repo/scripts/make-pki.sh" "$pki" >/dev/null || setup_failed "make-pki.sh $pki"
pki=$(cd "$pki" && pwd)
