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

.PHONY: all deps build cross test fuzz run echo bench-fetch install-check dfu firmware firmware-small firmware-emu firmware-emu-small firmware-emu-system firmware-emu-post flash run-firmware bench test-firmware test-firmware-base format format-check clean

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
# WF_FW_BODY (see README), WF_FW_ENTROPY_DUMP (a
# measurement image: raw noise samples on the console, docs/security.md), e.g.
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
              WF_FW_PINNED_KEY WF_FW_ENTROPY_DUMP WF_FW_METHOD WF_FW_HEADERS WF_FW_BODY,$(if $($(v)),-D$(v)='$($(v))'))
empty :=
space := $(empty) $(empty)
ca_list = $(subst $(space),;,$(strip $(1)))
FW_CMAKE    = cmake -S . $(CMAKE_GEN) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel \
              -DWF_BOARD=$(BOARD) -DWF_TLS_NV_SEED=ON -DWF_CA_BUNDLE='$(call ca_list,$(WF_CA_BUNDLE))' $(FW_VARS)

$(PKI)/root.pem:
	scripts/make-pki.sh $(PKI)

# Both profiles are built and checked against their budgets (the build fails if over).
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

# The firmware image itself in the STM32F411 emulator, against nginx and dnsmasq:
# its serial console, then the emulator's measurements.
run-firmware: build firmware-emu
	@scripts/run-firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI)

# Measurements of the image (instructions per phase, peak stack, SPI cost, board
# time estimate): the table, and build/bench.json. A benchmark, not a test.
bench: build firmware-emu
	@scripts/run-firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI) main -- --json $(abspath build)/bench.json
	@echo "written: build/bench.json"

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

# The emulator takes the board from the image's .board_id section.
test-firmware: build firmware-emu firmware-emu-system firmware-emu-post firmware-emu-small
	WF_FW_POST_ELF=$(FW_EMU_POST)/firmware.elf WF_FW_SMALL_ELF=$(FW_EMU_SMALL)/firmware.elf tests/e2e/firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI) \
	  $(FW_EMU_SYS)/firmware-system-plus-test.elf $(FW_EMU_SYS)/firmware-system.elf \
	  $(FW_EMU_SYS)/firmware-pinned.elf $(FW_EMU_SYS)/firmware-pinned-other.elf

# The base cases only (fetches, unknown CA, the seed across boots), for a second board.
test-firmware-base: build firmware-emu
	tests/e2e/firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI)

# Writes the image with OpenOCD through an ST-LINK (the Nucleo's own, or a probe on the
# Black Pill's SWD header); erases only the sectors the image covers, so the entropy
# seed in sectors 1-2 survives.
flash: firmware
	openocd -f boards/$(BOARD)/openocd.cfg -c "program $(FW)/firmware.elf verify reset exit"

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
