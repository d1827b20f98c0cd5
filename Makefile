# sealspec: GNU make.  Everything is written under build/.
#
#   make            build/sealspec and build/libsealspec.a
#   make run        the catalog on this kernel, with the guideline table
#   make test       everything CI runs (also under ASan and UBSan)
#   make fuzz-parser  libFuzzer on the scenario parser (FUZZ_SECONDS=600)
#   make static     build/static/sealspec, for an initramfs
#   make check-html the HTML report in headless Chromium, a screenshot
#   make install    PREFIX (/usr/local), DESTDIR; make uninstall
#   make bench      what the kernel target, the model and programs cost (figures)
#   make mutants    model faults against the catalog and the fuzzer
#   make matrix     the catalog on Debian's kernels (6.1 ... 7.3) under QEMU,
#                   as shipped and with protection keys: build/matrix/matrix.md
#                   and .html (tools/matrix.sh; knobs MATRIX_SERIES,
#                   MATRIX_EXTRA, MATRIX_VARIANTS, MATRIX_JOBS, MATRIX_TIMEOUT,
#                   MATRIX_APPEND; needs the network and root for apt-get)
#   make conformant-kernel  Debian's newest kernel source with kernel/*.patch
#                   (the guidelines implemented), built and booted under QEMU
#                   beside the unpatched build: guideline tables, the kernel's
#                   mseal selftest, the checks' cost (tools/conformant-kernel.sh;
#                   knobs CONFORMANT_PATCHED, CONFORMANT_PROFILES, ...; needs
#                   the network, root for apt-get, ~4 GB in build/conformant)

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

.PHONY: all run test unit-tests static bench matrix conformant-kernel \
	fuzz-parser mutants install uninstall check-html clean format

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

# -z now: every symbol is bound at start, once, rather than on first call
# in each scenario process, which would look it up again and copy the
# page of the GOT it writes (a fifth of a scenario process's page faults).
$(BUILD)/sealspec: $(CLI_OBJS) $(BUILD)/libsealspec.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,-z,now -o $@ $(CLI_OBJS) $(BUILD)/libsealspec.a

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsealspec.a tests/unit/check.h tests/unit/model_util.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libsealspec.a

# Helpers the test suite runs other programs under (not unit tests).
$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

unit-tests: $(TESTS) $(BUILD)/tools/no-mseal $(BUILD)/tools/ktap-check \
	$(BUILD)/tools/no-fork $(BUILD)/tools/seal-sleep

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
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,-z,now -o $@ $< $(BUILD)/libsealspec.a

# The floor a scenario is measured against: a bare fork of a minimal
# process, so this one is static (falls back to dynamic without libc.a).
$(BUILD)/bench/fork_floor: bench/fork_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -static -o $@ $< 2>/dev/null || \
		$(CC) $(ALL_CFLAGS) -o $@ $<

bench: all $(BUILD)/bench/kernel_target $(BUILD)/bench/model \
	$(BUILD)/bench/catalog $(BUILD)/bench/fork_floor $(BUILD)/bench/fuzz \
	$(BUILD)/bench/memory
	$(BUILD)/bench/kernel_target $(BUILD)/sealspec $(BUILD)/bench/fork_floor
	$(BUILD)/bench/model
	$(BUILD)/bench/fuzz
	$(BUILD)/bench/memory $(CASES)
	@echo "catalog: $$($(BUILD)/sealspec list | tail -n 1)"
	$(BUILD)/bench/catalog $(BUILD)/sealspec

# A static binary with the catalog built in: what runs as PID 1 in an
# initramfs under QEMU to try other kernels.
static:
	$(MAKE) --no-print-directory BUILD=build/static LDFLAGS=-static all

# Every Debian kernel series booted under QEMU with the static build as
# /init; a table on the terminal, the report in build/matrix/.
matrix:
	bash tools/matrix.sh

# The catalog's HTML report in headless Chromium (installed if missing):
# no JavaScript error, not empty, self-contained, under 2 MB; a screenshot
# in build/report.png.  Not part of make test.
check-html: all
	sh tools/check-html.sh $(BUILD)

# The patch series in kernel/ on Debian's newest kernel source, patched and
# unpatched, booted under QEMU (docs/conformance.md).  Not part of make test.
conformant-kernel:
	bash tools/conformant-kernel.sh

# Model faults one at a time: does the catalog kill each, does fuzzing
# (MUTANT_SECONDS, default 60) kill it?  Figures, not a test.
mutants: all
	sh tools/mutants.sh

fuzz-parser:
	@mkdir -p $(BUILD)/fuzz $(BUILD)/fuzz/corpus
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-Iinclude -Isrc -o $(BUILD)/fuzz/parser fuzz/parser.c \
		$(sort $(wildcard src/scn/*.c)) src/run/pages.c
	cp $(CASES) $(BUILD)/fuzz/corpus/
	$(BUILD)/fuzz/parser -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-dict=fuzz/scenario.dict $(BUILD)/fuzz/corpus

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary, the library,
# both headers, sealspec.pc and the man pages; nothing outside
# $(DESTDIR)$(PREFIX) is written (build/sealspec.pc is made under build/).
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PCDIR      ?= $(LIBDIR)/pkgconfig
VERSION    ?= 0.1
MANPAGES   := man/sealspec.1 man/sealspec-scenario.5 man/libsealspec.3

$(BUILD)/sealspec.pc: man/sealspec.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    man/sealspec.pc.in > $@

install: all $(BUILD)/sealspec.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PCDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILD)/sealspec $(DESTDIR)$(BINDIR)/
	install -m 644 $(BUILD)/libsealspec.a $(DESTDIR)$(LIBDIR)/
	install -m 644 $(BUILD)/sealspec.pc $(DESTDIR)$(PCDIR)/
	install -m 644 include/sealspec.h include/sealspec-model.h \
		$(DESTDIR)$(INCLUDEDIR)/
	install -m 644 man/sealspec.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/libsealspec.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 man/sealspec-scenario.5 $(DESTDIR)$(MANDIR)/man5/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sealspec $(DESTDIR)$(LIBDIR)/libsealspec.a \
		$(DESTDIR)$(PCDIR)/sealspec.pc \
		$(DESTDIR)$(INCLUDEDIR)/sealspec.h \
		$(DESTDIR)$(INCLUDEDIR)/sealspec-model.h \
		$(DESTDIR)$(MANDIR)/man1/sealspec.1 \
		$(DESTDIR)$(MANDIR)/man3/libsealspec.3 \
		$(DESTDIR)$(MANDIR)/man5/sealspec-scenario.5

format:
	clang-format -i $(LIB_SRCS) $(CLI_SRCS) include/*.h

clean:
	rm -rf build
