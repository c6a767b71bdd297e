#!/usr/bin/env bash
# tests/install/check.sh BUILD_DIR -- install the host library from BUILD_DIR into
# BUILD_DIR/stage, then build tests/install/consumer.c against the installed tree
# twice: with CMake's find_package(wizfetch) and with pkg-config. Runs both.
# Prints "2 passed, 0 failed" (or what failed); exit 0 only if both work.
set -uo pipefail
build=${1:?usage: check.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$(realpath -m "$build/stage")
rm -rf "$stage" "$build/consumer-cmake" "$build/consumer-pc"
cmake --install "$build" --prefix "$stage" >/dev/null || { echo "install-check: cmake --install failed"; exit 1; }
passed=0 failed=0
if cmake -S "$here" -B "$build/consumer-cmake" -DCMAKE_PREFIX_PATH="$stage" >/dev/null &&
  cmake --build "$build/consumer-cmake" >/dev/null && "$build/consumer-cmake/consumer"; then
  echo "ok - find_package(wizfetch) consumer"; passed=$((passed + 1))
else
  echo "not ok - find_package(wizfetch) consumer"; failed=$((failed + 1))
fi
mkdir -p "$build/consumer-pc"
# pkg-config's output is shell words (the config-file define is quoted), as a
# Makefile's command line would see them: hence eval.
flags=$(PKG_CONFIG_PATH=$stage/lib/pkgconfig pkg-config --cflags --libs wizfetch)
if eval "cc -std=c11 -Wall -Werror -o \"\$build/consumer-pc/consumer\" \"\$here/consumer.c\" $flags" &&
  "$build/consumer-pc/consumer"; then
  echo "ok - pkg-config consumer"; passed=$((passed + 1))
else
  echo "not ok - pkg-config consumer"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
((failed == 0))
