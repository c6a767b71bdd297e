# libFuzzer targets: every tests/fuzz/fuzz_<name>.c becomes build/fuzz/fuzz_<name>,
# compiled with clang straight from the sources it needs (no CMake, no core library),
# with ASan + UBSan. Used by the top-level Makefile:
#   make fuzz                      build all and run each for FUZZ_SECONDS (default 20)
#   make -f tests/fuzz/fuzz.mk build
#   make -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=300 FUZZERS="http"
# Seeds: tests/fuzz/corpus/<name>/ (committed, read-only); what a run discovers goes
# to build/fuzz/corpus/<name>/; a crashing input to build/fuzz/artifacts/. A target's
# dictionary, if any, is tests/fuzz/<name>.dict. Any crash, leak, sanitizer report or
# failed check fails the run.

FUZZ_DIR     ?= build/fuzz
FUZZ_SECONDS ?= 20
FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_FLAGS   ?= -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

# The sources each target links besides its own file and src/common/error.c. A target
# not listed here gets the portable core below ($(FUZZ_CORE)).
FUZZ_SRCS_url  := src/http/url.c
FUZZ_SRCS_http := src/http/url.c src/http/request.c src/http/range.c src/http/response.c apps/wizfetch/output.c # + the command's printers
FUZZ_SRCS_request := src/http/url.c src/http/request.c src/http/range.c src/http/response.c
FUZZ_SRCS_dns  := src/net/dns.c src/net/udp_query.c src/net/socket.c $(sort $(wildcard src/chip/*.c)) # the engine + every variant
# DHCP and SNTP: their parser plus the socket layer + chip engine the DNS target links.
FUZZ_SRCS_dhcp  = src/net/dhcp.c $(filter-out src/net/dns.c,$(FUZZ_SRCS_dns))
FUZZ_SRCS_sntp  = src/net/sntp.c $(filter-out src/net/dns.c,$(FUZZ_SRCS_dns))
FUZZ_CORE      := $(sort $(wildcard src/chip/*.c src/net/*.c src/http/*.c))

fuzz_srcs = src/common/error.c $(if $(FUZZ_SRCS_$(1)),$(FUZZ_SRCS_$(1)),$(FUZZ_CORE))

FUZZERS  ?= $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
BINARIES := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZERS))
HEADERS  := $(wildcard include/wizfetch/*.h src/*/*.h apps/wizfetch/*.h)

.PHONY: build run
.SECONDEXPANSION:

build: $(BINARIES)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $$(call fuzz_srcs,$$*) $(HEADERS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iinclude -Isrc -Iapps/wizfetch $< $(call fuzz_srcs,$*) -o $@

# One fuzzer after the other, each for FUZZ_SECONDS; the log is shown only on failure.
run: build
	@set -e; for name in $(FUZZERS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$name $(FUZZ_DIR)/artifacts; \
	  seeds=; [ -d tests/fuzz/corpus/$$name ] && seeds=tests/fuzz/corpus/$$name; \
	  dict=; [ -f tests/fuzz/$$name.dict ] && dict=-dict=tests/fuzz/$$name.dict; \
	  log=$(FUZZ_DIR)/fuzz_$$name.log; \
	  if $(FUZZ_DIR)/fuzz_$$name $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	       -artifact_prefix=$(FUZZ_DIR)/artifacts/$$name- $$dict \
	       $(FUZZ_DIR)/corpus/$$name $$seeds >$$log 2>&1; then \
	    runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	    cov=$$(grep -o 'cov: [0-9]*' $$log | tail -n 1); \
	    echo "fuzz_$$name: $(FUZZ_SECONDS) s, $$runs inputs, $$cov, no failures"; \
	  else \
	    tail -n 60 $$log; \
	    echo "fuzz_$$name: FAILED (log: $$log; input: $(FUZZ_DIR)/artifacts/$$name-*)"; \
	    exit 1; \
	  fi; \
	done
