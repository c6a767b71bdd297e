# Everyday targets. The real build is CMake; this file only strings it together.
#   make run    the main job: an HTTPS fetch      make test   every test
#   make build  host build (ASan+UBSan)          make cross  the stack for Cortex-M4 + footprint
#   make echo   echo through the modelled chip
#   make format clang-format our sources          make clean
#   make fuzz   libFuzzer targets (clang), each run FUZZ_SECONDS
#   make images every firmware image (one cross tree, build/arm)

BUILD      ?= build/host
CROSS      ?= build/arm
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN  ?= -G "Unix Makefiles"
FUZZ_SECONDS ?= 20


.PHONY: pki emu-irq-images ota-images ota-image run-ota test-ota bootloader flash-ota
.PHONY: all deps build cross cross-configure images test fuzz fuzz-build run echo bench-fetch install-build install-check dfu provision firmware firmware-small firmware-emu firmware-emu-small firmware-emu-system firmware-emu-post firmware-emu-telemetry firmware-emu-superloop firmware-emu-superloop-all flash run-firmware rel-emu bench firmware-emu-bench profile test-firmware test-firmware-base format format-check clean test-emu-irq

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DWF_SANITIZE=ON \
	  -DWF_FIRMWARE_IMAGES=$(abspath $(CROSS)) -DWF_FIRMWARE_EMU=$(abspath $(REL))/wf-board-emu \
	  -DWF_FIRMWARE_PKI=$(abspath $(PKI)) -DWF_INSTALL_TREE=$(abspath $(REL))

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Every test, failing fast (scripts/test-pipeline.sh): the host build and the unit
# tests first, then the cross tree (footprint, every image), the Release tree (the
# optimised emulator, the install), the fuzzers, and every other test under
# ctest -j $(JOBS) (labels e2e, firmware, fuzz, install). Ends with the seconds per
# stage and "N passed, M failed". One area: cd $(BUILD) && ctest -R e2e_trust.
test: deps
	@MAKE="$(MAKE)" BUILD=$(BUILD) JOBS=$(JOBS) scripts/test-pipeline.sh

# Every tests/fuzz/fuzz_*.c, built with clang (ASan+UBSan) into build/fuzz and run for
# FUZZ_SECONDS each from its seed corpus; fails if any fuzzer finds a crash.
fuzz: deps
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=$(FUZZ_SECONDS)

run: build
	@scripts/run-demo.sh $(BUILD)

echo: build
	@scripts/demo.sh $(BUILD)

# The Release host tree (no sanitizers, no tests): the benchmarks' and the firmware
# tests' emulator, and the library the install check installs.
REL ?= build/rel
$(REL)/CMakeCache.txt:
	cmake -S . -B $(REL) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DWF_BUILD_TESTS=OFF

# Measured figures of a fetch on the host (handshake time, heap peak, SPI cost), from a
# build without sanitizers. A benchmark: it prints numbers and asserts nothing.
bench-fetch: deps $(REL)/CMakeCache.txt
	cmake --build $(REL) -j $(JOBS) --target wizfetch
	@scripts/bench-fetch.sh $(REL) 9

# cmake --install of the host library (Release, no tests) into $(REL)/stage, then a
# tiny program built against it with find_package(wizfetch) and with pkg-config
# (tests/install/check.sh; `make test` runs it as the ctest test "install").
install-build: deps $(REL)/CMakeCache.txt
	cmake --build $(REL) -j $(JOBS) --target wizfetch_tls
install-check: install-build
	@tests/install/check.sh $(REL)

# ---- the firmware ----------------------------------------------------------------
# One cross build tree, $(CROSS) (Ninja), for every board and image: each library is
# compiled once per configuration that changes it (cmake/cross.cmake), each image is
# declared in cmake/firmware.cmake.
# BOARD: a folder under boards/ (listed in boards/boards.cmake): nucleo_f411re (the
# default: Nucleo-F411RE + Arduino Ethernet Shield, W5100) or blackpill_f411ce
# (WeAct Black Pill + W5500 module).
# Configuration of the user's image (make firmware, firmware-small, flash, dfu):
# WF_CA_BUNDLE (PEM files compiled in as the trust-anchor store in
# flash, space-separated; "system" = this machine's CA bundle; default: the test
# PKI's root, made by scripts/make-pki.sh), WF_FW_PINNED_KEY, WF_FW_URL, WF_FW_IP,
# WF_FW_MASK, WF_FW_GATEWAY, WF_FW_DNS, WF_FW_MAC, WF_FW_METHOD, WF_FW_HEADERS,
# WF_FW_BODY (docs/firmware.md), WF_FW_ENTROPY_DUMP (a
# measurement image: raw noise samples on the console, docs/security.md),
# WF_FW_CERT/WF_FW_KEY (a client certificate and key compiled in; without them the
# image uses the credentials sector that `make provision` writes), e.g.
#   make firmware WF_CA_BUNDLE=system WF_FW_URL=https://example.org/
# A WF_FW_* setting given once stays in $(CROSS)'s cache (as `make flash` needs it;
# give it empty to drop it); WF_CA_BUNDLE is given every time (default: the test
# root). The image is copied to $(FW) (build/fw/<board>/firmware.elf, .bin, .hex, .map).
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
              WF_FW_PINNED_KEY WF_FW_ENTROPY_DUMP WF_FW_METHOD WF_FW_HEADERS WF_FW_BODY WF_FW_DISCARD_BODY \
              WF_FW_REPORT_S WF_FW_REPORT_COUNT WF_FW_SUPERLOOP WF_FW_WAKEUP WF_FW_REPORT_URL WF_FW_SMALL_RECORDS WF_FW_TLS_MIN,$(if $(filter command line environment,$(origin $(v))),-D$(v)='$($(v))'))
empty :=
space := $(empty) $(empty)
ca_list = $(subst $(space),;,$(strip $(1)))
FW_VARS    += $(foreach v,WF_FW_CERT WF_FW_KEY,$(if $(filter command line environment,$(origin $(v))),-D$(v)=$(if $($(v)),$(abspath $($(v))))))
# The one configure line of the cross tree (an older tree of another generator is
# replaced).
CROSS_CONFIGURE = if [ -f $(CROSS)/CMakeCache.txt ] && [ ! -f $(CROSS)/build.ninja ]; then rm -rf $(CROSS); fi; \
  cmake -S . -B $(CROSS) -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel \
  -DWF_BOARD=nucleo_f411re -DWF_TEST_PKI=$(abspath $(PKI)) -DWF_CA_BUNDLE='$(call ca_list,$(WF_CA_BUNDLE))' $(FW_VARS) >/dev/null
CROSS_BUILD = cmake --build $(CROSS) -j $(JOBS) --target
# image_target DIR: the cross tree's target of the image in DIR (cmake/firmware.cmake)
image_target = firmware_$(subst -,_,$(subst /,_,$(1)))

# The test PKI, made or completed before anything that uses it (idempotent and quick
# when it is complete; a PKI made by an older make-pki.sh is made anew, and the
# images built against its old root are then rebuilt, as their CA store depends on it).
pki:
	@scripts/make-pki.sh $(PKI)

cross-configure: deps pki
	@$(CROSS_CONFIGURE)

# The portable stack must compile for the board with -Werror: no host API may leak in.
# The footprint probe links all of it (mbedTLS included) the way a firmware does.
cross: cross-configure
	$(CROSS_BUILD) $(foreach b,$(BOARDS),wizfetch_core_$(b)) wf_port_template wf_footprint
	@scripts/footprint.sh $(CROSS)

# Every image of the tree, each checked against its budgets (the build fails if over):
# the user's (both profiles, every board) and the test images.
images: cross-configure
	$(CROSS_BUILD) wf_images_user wf_images_test wf_images_ota wf_bootloaders

# copy_image DIR DEST: the image files of $(CROSS)/DIR to DEST
copy_image = mkdir -p $(2) && cp $(foreach f,elf bin hex map,$(CROSS)/$(1)/firmware.$(f)) $(2)/

# The image for BOARD in the full (firmware) or the small (firmware-small) TLS profile,
# checked against that profile's budgets (the build fails if over).
firmware: cross-configure
	$(CROSS_BUILD) $(call image_target,fw/$(BOARD))_budget
	@$(call copy_image,fw/$(BOARD),$(FW))
	@scripts/biggest-symbols.sh $(FW)/firmware.elf 10
	@echo "image: $(FW)/firmware.elf, .bin, .hex"

firmware-small: cross-configure
	$(CROSS_BUILD) $(call image_target,fw-small/$(BOARD))_budget
	@$(call copy_image,fw-small/$(BOARD),$(FW_SMALL))
	@echo "image: $(FW_SMALL)/firmware.elf, .bin, .hex"

# The emulator's test images (cmake/firmware.cmake), in $(CROSS)/<name>/<board>/:
#   fw-emu            the test network: static 10.0.0.2/24, DNS 10.0.0.53 (no DHCP
#                     server on loopback), the test PKI's root as trust anchor
#   fw-emu-small      the same with the small TLS profile (TLS 1.2 only)
#   fw-emu-post       POSTs a JSON body with two header fields to the echo server
#   fw-emu-telemetry  a JSON report to /report every second, three in all
#   fw-emu-superloop  the GET polled in a main loop beside a 1 kHz job (docs/firmware.md)
#   fw-emu-system-plus-test, fw-emu-system, fw-emu-pinned, fw-emu-pinned-other:
#                     the whole system root set in flash, with the test root / alone /
#                     with pinned keys (another key and the server's; another alone)
#   fw-bench-big, fw-bench-chunked: the bench's downloads (make bench)
# The default board has them all; another board fw-emu, fw-emu-telemetry, fw-bench-*.
FW_EMU           ?= $(CROSS)/fw-emu/$(BOARD)
FW_EMU_TELEMETRY ?= $(CROSS)/fw-emu-telemetry/$(BOARD)
EMU_IMAGES := fw-emu fw-emu-small fw-emu-post fw-emu-telemetry fw-emu-superloop
$(addprefix firmware-,$(subst fw-,,$(EMU_IMAGES))): firmware-%: cross-configure
	$(CROSS_BUILD) $(call image_target,fw-$*/$(BOARD))_budget
	@echo "image: $(CROSS)/fw-$*/$(BOARD)/firmware.elf"
firmware-emu-system: cross-configure
	$(CROSS_BUILD) $(foreach i,system-plus-test system pinned pinned-other,$(call image_target,fw-emu-$(i)/$(BOARD))_budget)
# The superloop images (docs/firmware.md, "Superloop mode"): every board's, and the Black
# Pill's GET-and-reports-at-once image (fw-emu-superloop-telemetry).
firmware-emu-superloop-all: cross-configure
	$(CROSS_BUILD) $(foreach b,$(BOARDS),$(call image_target,fw-emu-superloop/$(b))_budget) \
	  $(call image_target,fw-emu-superloop-telemetry/blackpill_f411ce)_budget
firmware-emu-bench: cross-configure
	$(CROSS_BUILD) $(foreach i,big chunked,$(call image_target,fw-bench-$(i)/$(BOARD))_budget)

# The emulator the firmware runs in: the Release tree's (no sanitizers: it runs the
# image instruction by instruction, several times faster than the test build's).
REL_EMU ?= $(REL)/wf-board-emu
EMU     ?= $(REL_EMU)
rel-emu: deps $(REL)/CMakeCache.txt
	cmake --build $(REL) -j $(JOBS) --target wf-board-emu

# The firmware image itself in the STM32F411 emulator, against nginx and dnsmasq:
# its serial console, then the emulator's measurements.
run-firmware: rel-emu firmware-emu
	@scripts/run-firmware.sh $(EMU) $(FW_EMU)/firmware.elf $(PKI)

# Measurements of the image (instructions per phase, peak stack, SPI cost, board
# time estimate): the table, and build/bench.json. Then per request (the telemetry
# image: first request, reused connection, resumed TLS 1.3 and 1.2 sessions;
# scripts/bench-requests.sh). Then the 1 MiB downloads
# (Content-Length and chunked) on both boards (Nucleo + W5100, Black Pill + W5500):
# instructions per KiB, SPI bytes per payload byte, estimated board KB/s
# (scripts/bench-download.sh), added to build/bench.json. A benchmark, not a test.
bench: rel-emu firmware-emu firmware-emu-telemetry firmware-emu-superloop-all
	@scripts/run-firmware.sh $(REL_EMU) $(FW_EMU)/firmware.elf $(PKI) main -- --json $(abspath build)/bench.json
	@scripts/bench-requests.sh $(REL_EMU) $(PKI) build/bench.json $(FW_EMU_TELEMETRY)/firmware.elf
	@$(MAKE) --no-print-directory firmware-emu-bench BOARD=nucleo_f411re
	@$(MAKE) --no-print-directory firmware-emu-bench BOARD=blackpill_f411ce
	@scripts/bench-download.sh $(REL_EMU) $(PKI) build/bench.json $(CROSS) nucleo_f411re blackpill_f411ce
	@scripts/bench-loopgap.sh $(REL_EMU) $(PKI) build/bench.json $(CROSS) nucleo_f411re blackpill_f411ce
	@echo "written: build/bench.json"

# Where the image's instructions go: the bench fetch with wf-board-emu --profile
# (only the emulator is built on the host, as for bench): build/profile.txt (instructions per
# function, self and inclusive, per phase), build/profile.txt.folded (folded stacks
# for flame-graph tools); prints the handshake's top 25 functions and its breakdown, then
# the longest wf_fetch_poll per step (the image's poll probe: docs/embedding.md).
PROFILE ?= build/profile.txt
profile: rel-emu firmware-emu
	@scripts/run-firmware.sh $(REL_EMU) $(FW_EMU)/firmware.elf $(PKI) main -- --profile $(abspath $(PROFILE)) >$(PROFILE).log 2>&1 \
	  || { tail -n 30 $(PROFILE).log; exit 1; }
	@awk '/^== phase tls-handshake:/ { p = 1 } p && /^$$/ { exit } p' $(PROFILE) | head -n 27
	@echo
	@scripts/profile-breakdown.sh $(PROFILE).folded tls-handshake
	@echo
	@awk '/^== longest wf_fetch_poll/ { p = 1 } p && (/^$$/ || /^seed store/) { exit } p' $(PROFILE).log
	@echo "written: $(PROFILE), $(PROFILE).folded (run log: $(PROFILE).log)"

# The firmware cases (tests/e2e/firmware.sh, profile.sh) through ctest: every area,
# every board (test-firmware), or the second board's (test-firmware-base BOARD=...).
# The emulator takes the board from the image's .board_desc section (its board descriptor).
test-firmware: build images rel-emu
	cd $(BUILD) && ctest -L firmware -j $(JOBS) --output-on-failure
test-firmware-base: build images rel-emu
	cd $(BUILD) && ctest -R 'firmware_$(BOARD)_' -j $(JOBS) --output-on-failure

# Every tests/fuzz/fuzz_*.c built (make fuzz-build), for the ctest tests fuzz_<name>.
fuzz-build: deps
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk build -j $(JOBS)

# The emulator's exceptions and interrupts (docs/emulator.md): its unit tests, the
# interrupt test image (tests/emu_irq: SysTick, SVC, PendSV, nesting, the W5500's
# INTn as EXTI0 during a fetch, a handled BusFault, the fault report at a default
# handler) on the Black Pill, and a scripted gdb session through --gdb
# (tests/emu_irq/gdb.sh: break in wf_fetch, step, print, continue to the page).
# Its own cross tree with debug information (-g: the code is the same, the ELF carries
# what gdb needs to print variables): the Black Pill's emulator image
# (fw-emu/blackpill_f411ce) and the interrupt image built from it.
FW_EMU_IRQ ?= build/arm-g
ARM_CFLAGS_G := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections -g
emu-irq-images: deps pki
	cmake -S . -G Ninja -B $(FW_EMU_IRQ) -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel \
	  -DWF_TEST_PKI=$(abspath $(PKI)) -DWF_CA_BUNDLE=$(abspath $(PKI))/root.pem -DCMAKE_C_FLAGS="$(ARM_CFLAGS_G)"
	cmake --build $(FW_EMU_IRQ) -j $(JOBS) --target $(call image_target,fw-emu/blackpill_f411ce)_budget emu_irq

# make test runs these as ctest's firmware_emu_irq and firmware_emu_gdb.
test-emu-irq: build rel-emu emu-irq-images
	cd $(BUILD) && ctest -R 'test_board_emu|test_w5500|firmware_emu_irq|firmware_emu_gdb' --output-on-failure

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
# the sectors it writes and starts the image when done. The image's .bin spans sectors
# 0-7 with the seed (1-2) and credentials (3) sectors as zeros in between: it is written
# in two pieces, the vectors (sector 0) and the code (from sector 4), so that neither
# sector range is touched (scripts/board-flash-region.sh gives the addresses).
DFU_IMAGE_ADDR = $(firstword $(shell scripts/board-flash-region.sh $(BOARD) FLASH))
dfu: firmware
	@test -n "$(DFU_IMAGE_ADDR)" || { echo "dfu: no FLASH region in the linker script of $(BOARD)" >&2; exit 2; }
	arm-none-eabi-objcopy -O binary -j .isr_vector -j .board_desc $(FW)/firmware.elf $(FW)/firmware-vectors.bin
	arm-none-eabi-objcopy -O binary -R .isr_vector -R .board_desc $(FW)/firmware.elf $(FW)/firmware-code.bin
	dfu-util -a 0 -s 0x08000000 -D $(FW)/firmware-vectors.bin
	dfu-util -a 0 -s $(DFU_IMAGE_ADDR):leave -D $(FW)/firmware-code.bin

# ---- firmware updates (docs/ota.md) ---------------------------------------------
# The bootloader (sector 0) of every board, checked against its budget.
bootloader: cross-configure
	$(CROSS_BUILD) wf_bootloaders
	@echo "bootloader: $(CROSS)/boot/$(BOARD)/bootloader.elf, .bin"

# The test images of the update (tests/e2e/ota-update.sh): the bootloaders, the release
# for both slots of every board, the image that never confirms.
ota-images: cross-configure
	$(CROSS_BUILD) wf_images_ota wf_bootloaders

# The user's signed release for BOARD, for both slots (the settings of `make firmware`):
#   make ota-image OTA_VERSION=2 WF_OTA_KEY=/secure/release-key.pem [OTA_ALLOW_DOWNGRADE=1]
# -> build/ota/<board>/a.bin and b.bin (header + image; serve both from any HTTPS server
# at the URL the running release has in WF_FW_OTA_URL, "%s" standing for a or b) and
# build/ota/<board>/bootloader.bin. The key: scripts/ota-sign.py keygen KEY (keep it out
# of the repository); without WF_OTA_KEY the build tree's test key signs (tests only).
OTA_OUT ?= build/ota/$(BOARD)
WF_OTA_KEY ?=
ota-image: deps pki
	@test -n "$(OTA_VERSION)" || { echo "usage: make ota-image OTA_VERSION=N WF_OTA_KEY=key.pem [BOARD=$(BOARD)]" >&2; exit 2; }
	@$(CROSS_CONFIGURE) -DWF_OTA_KEY='$(abspath $(WF_OTA_KEY))'
	$(CROSS_BUILD) $(foreach s,a b,$(call image_target,fw-release/$(BOARD)/$(s))_budget) bootloader_$(BOARD)_budget
	@mkdir -p $(OTA_OUT)
	@key=$$(sed -n 's/^WF_OTA_RELEASE_KEY:INTERNAL=//p' $(CROSS)/CMakeCache.txt); \
	for s in a b; do python3 scripts/ota-sign.py sign --key "$$key" --elf $(CROSS)/fw-release/$(BOARD)/$$s/firmware.elf \
	  --version $(OTA_VERSION) --board $(BOARD) $(if $(OTA_ALLOW_DOWNGRADE),--allow-downgrade) -o $(OTA_OUT)/$$s.bin || exit 1; done
	@cp $(CROSS)/boot/$(BOARD)/bootloader.bin $(OTA_OUT)/bootloader.bin

# A new board, or one moved to the update scheme: the bootloader and the release's
# slot A image (make ota-image first); the seed and credentials sectors are not touched.
flash-ota:
	openocd -f boards/$(BOARD)/openocd.cfg -c "program $(OTA_OUT)/bootloader.bin verify 0x08000000" \
	  -c "program $(OTA_OUT)/a.bin verify reset exit 0x08010000"

# The update in the emulator: the bootloader starts v1 (slot A), v1 fetches the page,
# confirms itself, downloads v2 for slot B from nginx, verifies and marks it, resets;
# the bootloader starts v2 on trial, v2 confirms itself.
run-ota: rel-emu ota-images
	@scripts/run-ota.sh $(EMU) $(CROSS) $(PKI) $(BOARD)

# The update tests of every board (tests/e2e/ota-update.sh through ctest: one power cut
# per phase), then the whole table of power cuts (11) on BOARD.
test-ota: build rel-emu ota-images
	cd $(BUILD) && ctest -R 'firmware_ota_' -j $(JOBS) --output-on-failure
	OTA_AREA=cut tests/e2e/ota-update.sh $(EMU) $(CROSS) $(PKI) $(BOARD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
