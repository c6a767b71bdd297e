# Everyday targets. The real build is CMake; this file only strings it together.
#   make run    the main job: an HTTPS fetch      make test   every test
#   make build  host build (ASan+UBSan)          make cross  the stack for Cortex-M4 + footprint
#   make echo   echo through the modelled chip
#   make format clang-format our sources          make clean
#   make fuzz   libFuzzer targets (clang), each run FUZZ_SECONDS

BUILD      ?= build/host
CROSS      ?= build/arm
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN  ?= -G "Unix Makefiles"
FUZZ_SECONDS ?= 20

.PHONY: all deps build cross test fuzz run echo bench-fetch install-check dfu provision firmware firmware-small firmware-emu firmware-emu-small firmware-emu-system firmware-emu-post firmware-emu-telemetry flash run-firmware rel-emu bench firmware-emu-bench profile test-firmware test-firmware-base format format-check clean test-emu-irq

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DWF_SANITIZE=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(CROSS)/CMakeCache.txt:
	cmake -S . -B $(CROSS) $(CMAKE_GEN) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel

# The portable stack must compile for the board with -Werror: no host API may leak in.
# The footprint probe links all of it (mbedTLS included) the way a firmware does.
cross: deps $(CROSS)/CMakeCache.txt
	cmake --build $(CROSS) -j $(JOBS) --target wizfetch_core wf_port_template wf_footprint
	@scripts/footprint.sh $(CROSS)

test: build cross firmware firmware-small
	@$(MAKE) --no-print-directory install-check
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory test-firmware
	@# The second board: its image and budget, and its emulator image through the base
	@# cases (fetches, unknown CA, the seed across boots) on its own clock, chip and pins.
	@$(MAKE) --no-print-directory firmware BOARD=blackpill_f411ce
	@$(MAKE) --no-print-directory test-firmware-base BOARD=blackpill_f411ce
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Every tests/fuzz/fuzz_*.c, built with clang (ASan+UBSan) into build/fuzz and run for
# FUZZ_SECONDS each from its seed corpus; fails if any fuzzer finds a crash.
fuzz: deps
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=$(FUZZ_SECONDS)

run: build
	@scripts/run-demo.sh $(BUILD)

echo: build
	@scripts/demo.sh $(BUILD)

# Measured figures of a fetch on the host (handshake time, heap peak, SPI cost), from a
# build without sanitizers. A benchmark: it prints numbers and asserts nothing.
REL ?= build/rel
bench-fetch: deps
	cmake -S . -B $(REL) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DWF_BUILD_TESTS=OFF
	cmake --build $(REL) -j $(JOBS) --target wizfetch
	@scripts/bench-fetch.sh $(REL) 9

# cmake --install of the host library (Release, no tests) into $(REL)/stage, then a
# tiny program built against it with find_package(wizfetch) and with pkg-config.
install-check: deps
	cmake -S . -B $(REL) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DWF_BUILD_TESTS=OFF
	cmake --build $(REL) -j $(JOBS) --target wizfetch_tls
	@tests/install/check.sh $(REL)

# ---- the firmware ----------------------------------------------------------------
# BOARD: a folder under boards/ (listed in boards/boards.cmake): nucleo_f411re (the
# default: Nucleo-F411RE + Arduino Ethernet Shield, W5100) or blackpill_f411ce
# (WeAct Black Pill + W5500 module). Each board builds in its own folders.
# Configuration: WF_CA_BUNDLE (PEM files compiled in as the trust-anchor store in
# flash, space-separated; "system" = this machine's CA bundle; default: the test
# PKI's root, made by scripts/make-pki.sh), WF_FW_PINNED_KEY, WF_FW_URL, WF_FW_IP,
# WF_FW_MASK, WF_FW_GATEWAY, WF_FW_DNS, WF_FW_MAC, WF_FW_METHOD, WF_FW_HEADERS,
# WF_FW_BODY (see docs/firmware.md), WF_FW_ENTROPY_DUMP (a
# measurement image: raw noise samples on the console, docs/security.md),
# WF_FW_CERT/WF_FW_KEY (a client certificate and key compiled in; without them the
# image uses the credentials sector that `make provision` writes), e.g.
#   make firmware WF_CA_BUNDLE=system WF_FW_URL=https://example.org/
BOARD      ?= nucleo_f411re
BOARDS     := $(shell sed -n 's/^  \([a-z0-9_]*\)$$/\1/p' boards/boards.cmake)
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error BOARD=$(BOARD) is not one of: $(BOARDS) (boards/boards.cmake))
endif
FW         ?= build/fw/$(BOARD)
FW_SMALL   ?= build/fw-small/$(BOARD)
PKI        ?= build/pki
WF_CA_BUNDLE ?= $(abspath $(PKI))/root.pem
FW_VARS    := $(foreach v,WF_FW_URL WF_FW_IP WF_FW_MASK WF_FW_GATEWAY WF_FW_DNS WF_FW_MAC WF_FW_USE_DHCP WF_FW_NTP \
              WF_FW_PINNED_KEY WF_FW_ENTROPY_DUMP WF_FW_METHOD WF_FW_HEADERS WF_FW_BODY WF_FW_DISCARD_BODY,$(if $($(v)),-D$(v)='$($(v))'))
empty :=
space := $(empty) $(empty)
ca_list = $(subst $(space),;,$(strip $(1)))
FW_VARS    += $(foreach v,WF_FW_CERT WF_FW_KEY,$(if $($(v)),-D$(v)=$(abspath $($(v)))))
FW_CMAKE    = cmake -S . $(CMAKE_GEN) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel \
              -DWF_BOARD=$(BOARD) -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE='$(call ca_list,$(WF_CA_BUNDLE))' $(FW_VARS)

$(PKI)/root.pem:
	scripts/make-pki.sh $(PKI)

# The image for BOARD in the full (firmware) or the small (firmware-small) TLS profile,
# checked against that profile's budgets (the build fails if over).
firmware: deps $(if $(filter $(abspath $(PKI))/root.pem,$(WF_CA_BUNDLE)),$(PKI)/root.pem)
	$(FW_CMAKE) -B $(FW) -DWF_TLS_PROFILE=full
	cmake --build $(FW) -j $(JOBS) --target firmware_budget
	@scripts/biggest-symbols.sh $(FW)/firmware.elf 10
	@echo "image: $(FW)/firmware.elf, .bin, .hex"

firmware-small: deps $(if $(filter $(abspath $(PKI))/root.pem,$(WF_CA_BUNDLE)),$(PKI)/root.pem)
	$(FW_CMAKE) -B $(FW_SMALL) -DWF_TLS_PROFILE=small
	cmake --build $(FW_SMALL) -j $(JOBS) --target firmware_budget

# The image for the emulator's test network: static 10.0.0.2/24, DNS 10.0.0.53
# (there is no DHCP server on loopback), the test PKI's root as trust anchor.
FW_EMU ?= build/fw-emu/$(BOARD)
EMU    ?= $(BUILD)/wf-board-emu
firmware-emu: deps $(PKI)/root.pem
	cmake -S . $(CMAKE_GEN) -B $(FW_EMU) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DWF_BOARD=$(BOARD) \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE=$(abspath $(PKI))/root.pem -DWF_FW_USE_DHCP=0
	cmake --build $(FW_EMU) -j $(JOBS) --target firmware_budget

# The same with the small TLS profile (TLS 1.2 only): its stack and pool peaks are
# measured and checked by the firmware test like the full profile's.
FW_EMU_SMALL ?= build/fw-emu-small/$(BOARD)
firmware-emu-small: deps $(PKI)/root.pem
	cmake -S . $(CMAKE_GEN) -B $(FW_EMU_SMALL) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DWF_BOARD=$(BOARD) \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE=$(abspath $(PKI))/root.pem -DWF_FW_USE_DHCP=0 \
	  -DWF_TLS_PROFILE=small
	cmake --build $(FW_EMU_SMALL) -j $(JOBS) --target firmware_budget

# The same, built to POST a JSON body with two header fields to the echo server
# (tests/e2e/echo_server.py) of the firmware test.
FW_EMU_POST ?= build/fw-emu-post/$(BOARD)
firmware-emu-post: deps $(PKI)/root.pem
	cmake -S . $(CMAKE_GEN) -B $(FW_EMU_POST) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DWF_BOARD=$(BOARD) \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE=$(abspath $(PKI))/root.pem -DWF_FW_USE_DHCP=0 \
	  -DWF_FW_URL=https://www.example.test/echo/board -DWF_FW_BODY='{"hello":"board"}' \
	  -DWF_FW_HEADERS='"Content-Type: application/json", "Authorization: Bearer test-token"'
	cmake --build $(FW_EMU_POST) -j $(JOBS) --target firmware_budget

# The same as a telemetry device: a JSON report to /report every second, three in all
# (the firmware test runs it against nginx with keep-alive on and off).
FW_EMU_TELEMETRY ?= build/fw-emu-telemetry/$(BOARD)
firmware-emu-telemetry: deps $(PKI)/root.pem
	cmake -S . $(CMAKE_GEN) -B $(FW_EMU_TELEMETRY) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DWF_BOARD=$(BOARD) \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE=$(abspath $(PKI))/root.pem -DWF_FW_USE_DHCP=0 \
	  -DWF_FW_URL=https://www.example.test/report -DWF_FW_REPORT_S=1 -DWF_FW_REPORT_COUNT=3
	cmake --build $(FW_EMU_TELEMETRY) -j $(JOBS) --target firmware_budget

# The firmware image itself in the STM32F411 emulator, against nginx and dnsmasq:
# its serial console, then the emulator's measurements.
run-firmware: build firmware-emu
	@scripts/run-firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI)

# Measurements of the image (instructions per phase, peak stack, SPI cost, board
# time estimate): the table, and build/bench.json. Then per request (the telemetry
# image: first request, reused connection, resumed TLS 1.3 and 1.2 sessions;
# scripts/bench-requests.sh). Then the 1 MiB downloads
# (Content-Length and chunked) on both boards (Nucleo + W5100, Black Pill + W5500):
# instructions per KiB, SPI bytes per payload byte, estimated board KB/s
# (scripts/bench-download.sh), added to build/bench.json. A benchmark, not a test.
# The emulator is built alone, without sanitizers ($(REL_EMU): counts are the same,
# runs several times faster than the test build's).
REL_EMU ?= $(REL)/wf-board-emu
$(REL)/CMakeCache.txt:
	cmake -S . -B $(REL) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DWF_BUILD_TESTS=OFF
rel-emu: deps $(REL)/CMakeCache.txt
	cmake --build $(REL) -j $(JOBS) --target wf-board-emu

bench: rel-emu firmware-emu firmware-emu-telemetry
	@scripts/run-firmware.sh $(REL_EMU) $(FW_EMU)/firmware.elf $(PKI) main -- --json $(abspath build)/bench.json
	@scripts/bench-requests.sh $(REL_EMU) $(PKI) build/bench.json $(FW_EMU_TELEMETRY)/firmware.elf
	@$(MAKE) --no-print-directory firmware-emu-bench BOARD=nucleo_f411re
	@$(MAKE) --no-print-directory firmware-emu-bench BOARD=blackpill_f411ce
	@scripts/bench-download.sh $(REL_EMU) $(PKI) build/bench.json build/fw-bench/nucleo_f411re build/fw-bench/blackpill_f411ce
	@echo "written: build/bench.json"

# The bench's download images: the emulator image's network, the body counted and
# not printed (WF_FW_DISCARD_BODY=1), fetching /big.bin (1 MiB + 12345 bytes,
# Content-Length) and, relinked, /chunked.bin (the same bytes, chunked) from the
# test servers (scripts/test-servers.sh).
FW_BENCH ?= build/fw-bench/$(BOARD)
firmware-emu-bench: deps $(PKI)/root.pem
	cmake -S . $(CMAKE_GEN) -B $(FW_BENCH) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DWF_BOARD=$(BOARD) \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE=$(abspath $(PKI))/root.pem -DWF_FW_USE_DHCP=0 \
	  -DWF_FW_DISCARD_BODY=1 -DWF_FW_URL=https://www.example.test/big.bin
	cmake --build $(FW_BENCH) -j $(JOBS) --target firmware_budget
	cp $(FW_BENCH)/firmware.elf $(FW_BENCH)/firmware-big.elf
	cmake -S . -B $(FW_BENCH) -DWF_FW_URL=https://www.example.test/chunked.bin
	cmake --build $(FW_BENCH) -j $(JOBS) --target firmware_budget
	cp $(FW_BENCH)/firmware.elf $(FW_BENCH)/firmware-chunked.elf

# Where the image's instructions go: the bench fetch with wf-board-emu --profile
# (only the emulator is built on the host, as for bench): build/profile.txt (instructions per
# function, self and inclusive, per phase), build/profile.txt.folded (folded stacks
# for flame-graph tools); prints the handshake's top 25 functions and its breakdown.
PROFILE ?= build/profile.txt
profile: rel-emu firmware-emu
	@scripts/run-firmware.sh $(REL_EMU) $(FW_EMU)/firmware.elf $(PKI) main -- --profile $(abspath $(PROFILE)) >$(PROFILE).log 2>&1 \
	  || { tail -n 30 $(PROFILE).log; exit 1; }
	@awk '/^== phase tls-handshake:/ { p = 1 } p && /^$$/ { exit } p' $(PROFILE) | head -n 27
	@echo
	@scripts/profile-breakdown.sh $(PROFILE).folded tls-handshake
	@echo "written: $(PROFILE), $(PROFILE).folded (run log: $(PROFILE).log)"

# The same emulator image with the whole system root set in flash: with the test
# root added (fetches); the same with WF_FW_PINNED_KEY (another key, then the
# server's: fetches; another key alone: refused); and the system roots alone
# (certificate error). One build directory, relinked for each variant.
FW_EMU_SYS ?= build/fw-emu-system/$(BOARD)
spki_pin = sha256//$$(openssl x509 -in $(1) -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64)
firmware-emu-system: deps $(PKI)/root.pem
	cmake -S . $(CMAKE_GEN) -B $(FW_EMU_SYS) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DWF_BOARD=$(BOARD) \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE='system;$(abspath $(PKI))/root.pem' \
	  -DWF_FW_USE_DHCP=0 -DWF_FW_PINNED_KEY=
	cmake --build $(FW_EMU_SYS) -j $(JOBS) --target firmware_budget
	cp $(FW_EMU_SYS)/firmware.elf $(FW_EMU_SYS)/firmware-system-plus-test.elf
	cmake -S . -B $(FW_EMU_SYS) -DWF_FW_PINNED_KEY="$(call spki_pin,$(PKI)/ecdsa.pem);$(call spki_pin,$(PKI)/rsa.pem)"
	cmake --build $(FW_EMU_SYS) -j $(JOBS) --target firmware_budget
	cp $(FW_EMU_SYS)/firmware.elf $(FW_EMU_SYS)/firmware-pinned.elf
	cmake -S . -B $(FW_EMU_SYS) -DWF_FW_PINNED_KEY="$(call spki_pin,$(PKI)/ecdsa.pem)"
	cmake --build $(FW_EMU_SYS) -j $(JOBS) --target firmware_budget
	cp $(FW_EMU_SYS)/firmware.elf $(FW_EMU_SYS)/firmware-pinned-other.elf
	cmake -S . -B $(FW_EMU_SYS) -DWF_CA_BUNDLE=system -DWF_FW_PINNED_KEY=
	cmake --build $(FW_EMU_SYS) -j $(JOBS) --target firmware_budget
	cp $(FW_EMU_SYS)/firmware.elf $(FW_EMU_SYS)/firmware-system.elf

# The emulator takes the board from the image's .board_desc section (its board descriptor).
test-firmware: build firmware-emu firmware-emu-system firmware-emu-post firmware-emu-small firmware-emu-telemetry
	WF_FW_POST_ELF=$(FW_EMU_POST)/firmware.elf WF_FW_SMALL_ELF=$(FW_EMU_SMALL)/firmware.elf \
	  WF_FW_TELEMETRY_ELF=$(FW_EMU_TELEMETRY)/firmware.elf tests/e2e/firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI) \
	  $(FW_EMU_SYS)/firmware-system-plus-test.elf $(FW_EMU_SYS)/firmware-system.elf \
	  $(FW_EMU_SYS)/firmware-pinned.elf $(FW_EMU_SYS)/firmware-pinned-other.elf
	tests/e2e/profile.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI)

# The emulator's exceptions and interrupts (docs/emulator.md): its unit tests, the
# interrupt test image (tests/emu_irq: SysTick, SVC, PendSV, nesting, the W5500's
# INTn as EXTI0 during a fetch, a handled BusFault, the fault report at a default
# handler) on the Black Pill, and a scripted gdb session through --gdb
# (tests/emu_irq/gdb.sh: break in wf_fetch, step, print, continue to the page).
# Its own build of the emulator image, Black Pill, with debug information (-g: the
# code is the same, the ELF carries what gdb needs to print variables).
FW_EMU_IRQ ?= build/fw-emu-g/blackpill_f411ce
ARM_CFLAGS_G := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections --specs=nano.specs -g
test-emu-irq: build $(PKI)/root.pem
	cmake -S . $(CMAKE_GEN) -B $(FW_EMU_IRQ) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DWF_BOARD=blackpill_f411ce \
	  -DCMAKE_BUILD_TYPE=MinSizeRel -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE=$(abspath $(PKI))/root.pem -DWF_FW_USE_DHCP=0 \
	  -DCMAKE_C_FLAGS="$(ARM_CFLAGS_G)"
	cmake --build $(FW_EMU_IRQ) -j $(JOBS) --target firmware_budget emu_irq
	cd $(BUILD) && ctest -R 'test_board_emu|test_w5500' --output-on-failure
	tests/emu_irq/run.sh $(EMU) $(FW_EMU_IRQ)/emu_irq.elf $(PKI)
	tests/emu_irq/gdb.sh $(EMU) $(FW_EMU_IRQ)/firmware.elf $(PKI)

# The base cases only (fetches, unknown CA, the seed across boots), for a second board.
test-firmware-base: build firmware-emu firmware-emu-telemetry
	WF_FW_TELEMETRY_ELF=$(FW_EMU_TELEMETRY)/firmware.elf tests/e2e/firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI)

# Writes the image with OpenOCD through an ST-LINK (the Nucleo's own, or a probe on the
# Black Pill's SWD header); erases only the sectors the image covers, so the entropy
# seed in sectors 1-2 survives.
flash: firmware
	openocd -f boards/$(BOARD)/openocd.cfg -c "program $(FW)/firmware.elf verify reset exit"

# One device's client certificate and key into the board's credentials sector (the
# CRED region of its linker memory map: on the STM32F411 sector 3, 0x0800C000, 16 KiB),
# the credentials area the image reads at boot (scripts/make-credentials.py builds it;
# flashing an image never touches it). CERT: PEM chain, leaf first, or DER; KEY: its
# unencrypted private key (default: from CERT).
CRED_AREA ?= build/credentials/$(BOARD).bin
CRED_ADDR  = $(firstword $(shell scripts/board-flash-region.sh $(BOARD) CRED))
provision:
	@test -n "$(CERT)" || { echo "usage: make provision CERT=device.pem [KEY=device.key] [BOARD=$(BOARD)]" >&2; exit 2; }
	@test -n "$(CRED_ADDR)" || { echo "provision: no CRED region in the linker script of $(BOARD)" >&2; exit 2; }
	@mkdir -p $(dir $(CRED_AREA))
	python3 scripts/make-credentials.py --cert $(CERT) $(if $(KEY),--key $(KEY)) -o $(CRED_AREA)
	openocd -f boards/$(BOARD)/openocd.cfg -c "program $(CRED_AREA) verify reset exit $(CRED_ADDR)"

# Writes the image through the STM32's ROM bootloader over USB (DFU; the Black Pill's
# USB-C port): hold BOOT0, tap NRST, release BOOT0, then run this. dfu-util erases only
# the sectors it writes (the seed survives) and starts the image when done.
dfu: firmware
	dfu-util -a 0 -s 0x08000000:leave -D $(FW)/firmware.bin

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
