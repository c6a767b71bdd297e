#!/usr/bin/env bash
# Install the Debian packages wizfetch needs. Idempotent: does nothing when all
# are present. As root it runs apt-get; otherwise it prints the one line to run.
set -euo pipefail

packages=(
  build-essential   # host compiler, make
  cmake
  ninja-build       # the one cross build tree (all firmware images, make test)
  ccache            # the firmware variants compile the same mbedTLS files once (CMakeLists.txt)
  bzip2             # unpacks the mbedTLS source tarball (scripts/fetch-mbedtls.sh)
  gcc-arm-none-eabi libnewlib-arm-none-eabi  # Cortex-M4 build of the portable core
  gnutls-bin        # e2e: gnutls-serv, a TLS 1.3 server that honours record_size_limit (tests/e2e/records.sh)
  picolibc-arm-none-eabi  # WF_LIBC=picolibc(-minsize): the firmware's other C library (cmake/arm-none-eabi.cmake)
  libcmocka-dev     # unit tests
  socat             # a real TCP echo peer for the demo and tests
  clang-format
  clang libclang-rt-14-dev  # libFuzzer targets (make fuzz): compiler and fuzzer runtime
  nginx-light       # e2e tests and demo: the HTTPS server (scripts/test-servers.sh)
  dnsmasq-base      # e2e tests and demo: the DNS server
  openssl           # test PKI (scripts/make-pki.sh), s_server for TLS edge cases
  procps iproute2   # pgrep (stopping test servers), ss (free ports, readiness)
  libunicorn-dev    # the board emulator (sim/emu): Unicorn 2 runs firmware.elf
  gdb-multiarch     # make test-emu-irq: a scripted gdb session through wf-board-emu --gdb
  chrony            # tests/e2e/net.sh: the NTP server on the namespace LAN (SNTP)
  openocd           # make flash: writes the firmware through an ST-LINK
  dfu-util          # make dfu: writes the Black Pill's firmware through the ROM bootloader over USB
  python3           # tests/e2e: small scripted servers; scripts/ca-store.py (PEM bundle -> flash store)
  python3-jinja2 python3-jsonschema  # mbedTLS's PSA driver-dispatch generator (the X25519 driver: CMakeLists.txt)
  valgrind          # tests/unit/x25519_ct.sh: the constant-time check of the X25519 ladders
  curl              # e2e: the reference client the request cases are compared with
  ca-certificates   # the system CA bundle: wizfetch's default trust, WF_CA_BUNDLE=system, tests
  pkg-config        # make install-check: a consumer built against the installed wizfetch.pc
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "wizfetch: missing Debian packages: ${missing[*]}" >&2
  echo "Run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "wizfetch: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
