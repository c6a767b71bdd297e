#!/usr/bin/env bash
# The demo: a real echo server (socat) on a loopback port, reached by the
# portable stack through the W5100 chip model as 10.0.0.1:7. Nothing is left
# running afterwards, also when interrupted.
set -euo pipefail
build=${1:-build/host}

server=""
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A random unprivileged port; try again if it is taken. The waits are bounded.
for _ in $(seq 10); do
  port=$((20000 + RANDOM % 40000))
  socat -T5 "TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork" PIPE 2>/dev/null &
  server=$!
  for _ in $(seq 30); do
    if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then break 2; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  cleanup; server=""
done
[[ -n $server ]] || { echo "demo: could not start the echo server (socat)" >&2; exit 1; }

echo "echo server: socat on 127.0.0.1:${port}, mapped into the chip's network as 10.0.0.1:7"
"$build/apps/wf-echo" --map "10.0.0.1:7=127.0.0.1:${port}" 10.0.0.1:7 \
  "Hello from a W5100 (modelled) via wizfetch's socket layer"
