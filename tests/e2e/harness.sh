# shellcheck shell=bash
# tests/e2e/harness.sh -- the case harness of the end-to-end scripts (run.sh, resume.sh,
# net.sh, firmware.sh). Sourced; it keeps the counts and prints the verdicts:
#
#   harness_areas VAR AREA...        the script's areas; exits 2 when the environment
#                                    variable VAR (run.sh: E2E_AREA, firmware.sh: FW_AREA)
#                                    names none of them. Cases are then selected by area.
#   area NAME                        the cases from here on belong to area NAME
#   area_selected                    true unless VAR selects another area than AREA
#   begin NAME                       start a case: CASE=NAME, WHY=(), SKIP=1 unless it
#                                    matches E2E_ONLY (a regex) and its area is the
#                                    selected one, when these are set; then the script's
#                                    hook case_on_begin, if defined (it may call not_run)
#   fail WHY...                      the case fails for this reason (WHY+=)
#   end                              the verdict of the case begun (nothing when skipped)
#   verdict NAME [WHY...]            a verdict on its own, without begin/end
#   not_run WHY                      "not ok - CASE: not run, WHY", and skip the case
#   summary [TEXT]                   "N passed, M failed[TEXT]"; returns 0 only if none
#                                    failed (and, with an area selected, one case ran)
#
# A verdict prints "ok - NAME[CASE_NOTE]" or "not ok - NAME: WHY; WHY[CASE_NOTE]", then
# runs the hook case_on_ok or case_on_fail (the script's details as "#" lines) if defined.
# CASE_NOTE (e.g. " (1.2s)") is the script's, cleared by begin.

passed=0
failed=0
CASE=""
CASE_NOTE=""
SKIP=0
WHY=()
AREA=""
HARNESS_AREA_VAR=""

harness_areas() {
  local var=$1 a
  shift
  HARNESS_AREA_VAR=$var
  [[ -z ${!var:-} ]] && return 0
  for a in "$@"; do [[ $a == "${!var}" ]] && return 0; done
  echo "$(basename "$0"): no area '${!var}'; the areas:" "$@" >&2
  exit 2
}

area() { AREA=$1; }

area_selected() {
  [[ -z $HARNESS_AREA_VAR || -z ${!HARNESS_AREA_VAR:-} || $AREA == "${!HARNESS_AREA_VAR}" ]]
}

# harness_selected NAME: the case NAME is to run (area and E2E_ONLY).
harness_selected() {
  area_selected || return 1
  if [[ -n ${E2E_ONLY:-} ]] && ! [[ $1 =~ $E2E_ONLY ]]; then return 1; fi
  return 0
}

begin() {
  CASE=$1
  CASE_NOTE=""
  WHY=()
  SKIP=0
  harness_selected "$CASE" || { SKIP=1; return 0; }
  if declare -F case_on_begin >/dev/null; then case_on_begin; fi
  return 0
}

fail() { WHY+=("$*"); }

verdict() {
  local name=$1 why
  shift
  if (($# == 0)); then
    echo "ok - $name$CASE_NOTE"
    passed=$((passed + 1))
    if declare -F case_on_ok >/dev/null; then case_on_ok; fi
  else
    why=$(printf '%s; ' "$@")
    echo "not ok - $name: ${why%; }$CASE_NOTE"
    failed=$((failed + 1))
    if declare -F case_on_fail >/dev/null; then case_on_fail; fi
  fi
  return 0
}

end() {
  ((SKIP)) && return 0
  verdict "$CASE" "${WHY[@]}"
  WHY=()
}

not_run() {
  echo "not ok - $CASE: not run, $*"
  failed=$((failed + 1))
  SKIP=1
}

summary() {
  echo "$passed passed, $failed failed${1:-}"
  if [[ -n $HARNESS_AREA_VAR && -n ${!HARNESS_AREA_VAR:-} ]] && ((passed + failed == 0)); then
    echo "$(basename "$0"): area ${!HARNESS_AREA_VAR} ran no case" >&2
    return 1
  fi
  ((failed == 0))
}

# has GREP-ARGS...: grep's verdict on its input, reading all of it. Under pipefail,
# `producer | grep -q` fails at random: grep -q exits at its first match, and a producer
# still writing then dies of SIGPIPE, which fails the pipeline.
has() { grep "$@" >/dev/null; }
