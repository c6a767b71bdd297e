# shellcheck shell=bash
# Shared by tests/emu_irq/run.sh and gdb.sh (sourced): TAP-like verdicts and the
# wait for an emulator's gdb port.
failed=0
verdict() { # verdict NAME [WHY...]: "ok - NAME", or "not ok - NAME: WHY..." (counted in $failed)
  local name=$1
  shift
  if (($# == 0)); then
    echo "ok - $name"
  else
    echo "not ok - $name: $*"
    failed=$((failed + 1))
  fi
}
free_port() { # a TCP port free on 127.0.0.1 now
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_gdb_port() { # wait_gdb_port STDERR_FILE: until the emulator says it listens (5 s at most)
  for ((i = 0; i < 50; i++)); do
    grep -q 'waiting for a connection' "$1" && return 0
    sleep 0.1
  done
  return 1
}
