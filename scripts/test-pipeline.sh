#!/usr/bin/env bash
# scripts/test-pipeline.sh -- what `make test` runs (the Makefile calls it with MAKE,
# BUILD, JOBS set): the stages in order, each timed, failing fast.
#   host build    make build (ASan + UBSan)
#   unit          ctest -L unit in the host tree: before any cross or emulator work
#   cross build   make cross (the stack for Cortex-M4, the footprint probe)
#   firmware images  make images (the one cross tree: the user images of every
#                 board and profile against their budgets, the test images)
#   interrupt test images  make emu-irq-images (tests/emu_irq's image and the gdb
#                 session's, in a cross tree built with -g)
#   release tree  make rel-emu install-build (the optimised emulator, the library
#                 the install test installs)
#   fuzz build    make fuzz-build
#   tests         ctest -LE unit -j JOBS: e2e areas, firmware cases, fuzz, install
# Then the stage table (seconds per stage; per label and per test for the tests
# stage, whose tests run JOBS at a time) and, last, "N passed, M failed" over all
# ctest tests (a failed build stage counts as one failure). The full output of every
# test is kept in BUILD/Testing/pipeline-*.log.xml (the console shows failures only).
set -uo pipefail
make=${MAKE:-make}
build=${BUILD:-build/host}
jobs=${JOBS:-2}
table=()          # "seconds<TAB>stage"
passed=0 failed=0

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }

print_table() {
  echo
  echo "==== make test: seconds per stage ===="
  local row
  for row in "${table[@]}"; do
    printf '%7s  %s\n' "${row%%$'\t'*}" "${row#*$'\t'}"
  done
  printf '%7s  %s\n' "$((SECONDS - start))" "total (wall clock)"
}

finish() { # finish EXIT_CODE
  print_table
  echo "$passed passed, $failed failed"
  exit "$1"
}

stage() { # stage NAME COMMAND...: runs it, records its time; a failure ends the run
  local name=$1 t0 rc
  shift
  echo "==== stage: $name"
  t0=$(now)
  "$@"
  rc=$?
  table+=("$(secs "$t0" "$(now)")"$'\t'"$name")
  if ((rc != 0)); then
    echo "==== stage failed: $name (exit $rc)"
    failed=$((failed + 1))
    finish 1
  fi
}

# count_ctest LOG: adds its summary ("..., N tests failed out of M") to passed/failed
count_ctest() {
  local line n m
  line=$(grep -E 'tests failed out of [0-9]+' "$1" | tail -n 1)
  if [[ -z $line ]]; then
    failed=$((failed + 1))
    return
  fi
  n=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  m=$(sed -E 's/.* tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + m - n))
  failed=$((failed + n))
}

# test_times LOG: per label (the test's name prefix) and per test, from ctest's
# "N/M Test #K: NAME ....   Passed   12.34 sec" lines.
test_times() {
  awk '
    / Test +#[0-9]+: / {
      name = $0; sub(/.*Test +#[0-9]+: /, "", name); sub(/ .*/, "", name)
      t = $0; if (!match(t, /[0-9.]+ sec/)) next
      s = substr(t, RSTART, RLENGTH - 4) + 0
      label = name
      if (name ~ /^e2e_/) label = "e2e areas"
      else if (name ~ /^firmware_/) label = "firmware emulator cases"
      else if (name ~ /^fuzz_/) label = "fuzz"
      else if (name == "install") label = "install"
      else label = "other"
      sum[label] += s; per[label] = per[label] sprintf("%s %.0f, ", name, s)
    }
    END { for (l in sum) printf "%.0f\t%s (sum of tests: %s)\n", sum[l], l, substr(per[l], 1, length(per[l]) - 2) }
  ' "$1" | sort -t$'\t' -k2
}

start=$SECONDS
mkdir -p "$build/Testing"
stage "host build" "$make" --no-print-directory build

# ctest_stage NAME LOG CTEST_ARGS...: ctest in the host tree, its console output also
# in LOG, every test's full output in LOG.xml (JUnit); its counts added up.
ctest_stage() {
  local name=$1 log=$2 t0 rc
  shift 2
  echo "==== stage: $name (ctest $*)"
  t0=$(now)
  (cd "$build" && ctest "$@" --output-on-failure --output-junit "$log.xml" --test-output-size-passed 1000000 \
    --test-output-size-failed 1000000 2>&1 | tee "$log")
  rc=${PIPESTATUS[0]}
  table+=("$(secs "$t0" "$(now)")"$'\t'"$name")
  count_ctest "$log"
  return "$rc"
}
testing=$(realpath "$build/Testing")
ctest_stage "unit" "$testing/pipeline-unit.log" -L unit -j "$jobs" || finish 1
stage "cross build" "$make" --no-print-directory cross
stage "firmware images" "$make" --no-print-directory images
stage "interrupt test images (-g)" "$make" --no-print-directory emu-irq-images
stage "release tree (emulator, install)" "$make" --no-print-directory rel-emu install-build
stage "fuzz build" "$make" --no-print-directory fuzz-build

tests_log=$testing/pipeline-tests.log
ctest_stage "tests (wall clock, $jobs at a time)" "$tests_log" -LE unit -j "$jobs"
rc=$?
while IFS= read -r row; do table+=("  $row"); done < <(test_times "$tests_log")
ok=$(grep -cE '(^|>)ok - ' "$tests_log.xml")
notok=$(grep -cE '(^|>)not ok - ' "$tests_log.xml")
echo "cases inside the e2e, firmware and install tests: $ok ok, $notok not ok (outputs: $tests_log.xml)"
finish $((rc == 0 && failed == 0 ? 0 : 1))
