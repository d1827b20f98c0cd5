# sealspec: GNU make.  Everything is written under build/.
#
#   make            build/sealspec and build/libsealspec.a
#   make run        the catalog on this kernel, with the guideline table
#   make test       everything CI runs (also under ASan and UBSan)
#   make fuzz-parser  libFuzzer on the scenario parser (FUZZ_SECONDS=600)
#   make static     build/static/sealspec, for an initramfs
#   make bench      what the kernel target and the model cost (figures)
#   make mutants    model faults against the catalog and the fuzzer
#   make matrix     the catalog on Debian's kernels (6.1 ... 7.3) under QEMU,
#                   as shipped and with protection keys: build/matrix/matrix.md
#                   and .html (tools/matrix.sh; knobs MATRIX_SERIES,
#                   MATRIX_EXTRA, MATRIX_VARIANTS, MATRIX_JOBS, MATRIX_TIMEOUT,
#                   MATRIX_APPEND; needs the network and root for apt-get)

CC       ?= gcc
PREFIX   ?= /usr/local
BUILD    ?= build
FUZZ_SECONDS ?= 600

WARN     := -Wall -Wextra -Werror -Werror=implicit-function-declaration \
	    -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	    -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude -Isrc
LDFLAGS  ?=

LIB_SRCS := $(sort $(wildcard src/scn/*.c src/interp/*.c src/kernel/*.c src/run/*.c src/model/*.c src/fuzz/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
CASES    := $(sort $(wildcard cases/*.scn))
TEST_SRCS := $(sort $(wildcard tests/unit/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/catalog.o
TESTS    := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all run test unit-tests static bench matrix fuzz-parser mutants install clean format

all: $(BUILD)/sealspec $(BUILD)/libsealspec.a

$(BUILD)/%.o: %.c $(wildcard include/*.h src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libsealspec.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# The catalog is built into the binary, so a static sealspec can run it as
# PID 1 in an initramfs with no file system of its own.
$(BUILD)/catalog.c: $(CASES) tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh $(CASES) > $@

$(BUILD)/catalog.o: $(BUILD)/catalog.c include/sealspec.h
	$(CC) $(ALL_CFLAGS) -Isrc/cli -c $< -o $@

$(BUILD)/sealspec: $(CLI_OBJS) $(BUILD)/libsealspec.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libsealspec.a

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsealspec.a tests/unit/check.h tests/unit/model_util.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libsealspec.a

# Helpers the test suite runs other programs under (not unit tests).
$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

unit-tests: $(TESTS) $(BUILD)/tools/no-mseal $(BUILD)/tools/ktap-check \
	$(BUILD)/tools/no-fork

run: all
	$(BUILD)/sealspec run --target both

# make test: the plain build, then the same under ASan+UBSan.  The last line
# is "N passed, N failed[, N skipped]".
test:
	$(MAKE) --no-print-directory all unit-tests
	$(MAKE) --no-print-directory BUILD=build/asan CC=gcc \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all unit-tests
	sh tests/run.sh build build/asan

# Figures, not tests: what a scenario, an observation and a verdict cost,
# beside a bare fork measured in the same run; and the whole catalog.
$(BUILD)/bench/%: bench/%.c $(BUILD)/libsealspec.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libsealspec.a

bench: all $(BUILD)/bench/kernel_target $(BUILD)/bench/model $(BUILD)/bench/fuzz
	$(BUILD)/bench/kernel_target
	$(BUILD)/bench/model
	$(BUILD)/bench/fuzz
	@n=$$($(BUILD)/sealspec list | tail -n 1); \
	for t in kernel model both; do \
	s=$$(date +%s%N); $(BUILD)/sealspec run --target $$t > /dev/null; \
	e=$$(date +%s%N); \
	echo "whole catalog ($$n), --target $$t: $$(( (e - s) / 1000000 )) ms"; \
	done

# A static binary with the catalog built in: what runs as PID 1 in an
# initramfs under QEMU to try other kernels.
static:
	$(MAKE) --no-print-directory BUILD=build/static LDFLAGS=-static all

# Every Debian kernel series booted under QEMU with the static build as
# /init; a table on the terminal, the report in build/matrix/.
matrix:
	bash tools/matrix.sh

# Model faults one at a time: does the catalog kill each, does fuzzing
# (MUTANT_SECONDS, default 60) kill it?  Figures, not a test.
mutants: all
	sh tools/mutants.sh

fuzz-parser:
	@mkdir -p $(BUILD)/fuzz $(BUILD)/fuzz/corpus
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-Iinclude -Isrc -o $(BUILD)/fuzz/parser fuzz/parser.c \
		$(sort $(wildcard src/scn/*.c))
	cp $(CASES) $(BUILD)/fuzz/corpus/
	$(BUILD)/fuzz/parser -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-dict=fuzz/scenario.dict $(BUILD)/fuzz/corpus

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/sealspec $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libsealspec.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/sealspec.h $(DESTDIR)$(PREFIX)/include/

format:
	clang-format -i $(LIB_SRCS) $(CLI_SRCS) include/*.h

clean:
	rm -rf build
