# falco-pipes: small programs for Falco alert streams.
# Every directory in cmd/ is one program; common/ is one archive linked
# into all of them.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
PKG_CONFIG ?= pkg-config
CC ?= cc
CFLAGS ?= -O2 -g
BATS ?= bats
BATS_FLAGS ?=
TESTS ?= tests

PKGS = libcjson libcurl yaml-0.1 libmicrohttpd libseccomp
WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual
FP_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread -Icommon $(WARNINGS)
FP_LIBS = -pthread

ifeq ($(SANITIZE),1)
BUILD ?= build/sanitize
FP_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
FP_LIBS += -fsanitize=address,undefined
else
BUILD ?= build
endif

PROGRAMS = $(notdir $(patsubst %/,%,$(wildcard cmd/*/)))
BINARIES = $(addprefix $(BUILD)/,$(PROGRAMS))
COMMON_OBJS = $(patsubst common/%.c,$(BUILD)/obj/common/%.o,$(wildcard common/*.c))
TEST_TOOLS = $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(wildcard tests/tools/*.c))
MANPAGES = $(wildcard man/*.[1-8])

# Library flags are asked of pkg-config only when something is compiled,
# so "make deps" works before the libraries are there.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# Debian packages needed to build, test, benchmark and run the demo.
DEB_PACKAGES = gcc make pkg-config libcjson-dev libcurl4-openssl-dev \
	libyaml-dev libmicrohttpd-dev libseccomp-dev bats bats-assert bats-support \
	python3 openssl jq mandoc ca-certificates time \
	zsh fish bash-completion strace valgrind clang libclang-rt-14-dev

all: $(BINARIES) $(TEST_TOOLS)

deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "falco-pipes: not a Debian system; make sure these (or their" \
			"equivalents) are installed: $(DEB_PACKAGES)" >&2; \
		exit 0; \
	fi; \
	missing=; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "falco-pipes: missing packages:$$missing" >&2; \
		echo "run: sudo apt-get install -y$$missing" >&2; \
		exit 1; \
	fi; \
	echo "falco-pipes: installing:$$missing" >&2; \
	apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $$missing

# The build needs the libraries: check cheaply, install only if missing.
$(BUILD)/.deps-ok:
	@$(PKG_CONFIG) --exists $(PKGS) 2>/dev/null || $(MAKE) --no-print-directory deps
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: %.c $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(FP_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcommon.a: $(COMMON_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

define program_rules
$(BUILD)/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cmd/$(1)/*.c)) $(BUILD)/libcommon.a
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(FP_LIBS) $$(LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rules,$(p))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(FP_LIBS) $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# libFuzzer harnesses: tests/fuzz/TARGET.c, built by clang with ASan and
# UBSan into build/fuzz/TARGET. "make fuzz" runs each for FUZZ_SECONDS,
# "make fuzz-regress" replays the committed inputs once, "make fuzz-ci"
# does both briefly; all print TAP (tests/fuzz/run.sh). A harness that tests a program's own file names
# it in FUZZ_EXTRA_TARGET.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD = build/fuzz
FUZZ_TARGETS = $(basename $(notdir $(wildcard tests/fuzz/*.c)))
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread -Icommon -Itests/fuzz/support \
	$(WARNINGS) -g -O1 $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link
FUZZ_SUPPORT_OBJS = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(wildcard tests/fuzz/support/*.c))
FUZZ_EXTRA_slack = cmd/falco-slack/payload.c
FUZZ_EXTRA_kubeconfig = cmd/falco-netpol/kubeconfig.c
# the kubeconfig loader exits on bad input; its harness closes what it left open
FUZZ_LDFLAGS_kubeconfig = -Wl,--wrap=fopen,--wrap=fclose

$(FUZZ_BUILD)/.deps-ok:
	@{ $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && \
		command -v $(FUZZ_CC) >/dev/null; } || $(MAKE) --no-print-directory deps
	@mkdir -p $(@D) && touch $@

$(FUZZ_BUILD)/obj/%.o: %.c $(FUZZ_BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libcommon.a: $(patsubst common/%.c,$(FUZZ_BUILD)/obj/common/%.o,$(wildcard common/*.c))
	rm -f $@
	$(AR) rcs $@ $^

define fuzz_rules
$(FUZZ_BUILD)/obj/tests/fuzz/$(1).o: FUZZ_CFLAGS += $(addprefix -I,$(dir $(FUZZ_EXTRA_$(1))))
$(FUZZ_BUILD)/$(1): $(FUZZ_BUILD)/obj/tests/fuzz/$(1).o \
    $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_EXTRA_$(1))) \
    $(FUZZ_SUPPORT_OBJS) $(FUZZ_BUILD)/libcommon.a
	$$(FUZZ_CC) $(FUZZ_SANITIZE) -fsanitize=fuzzer $$(FUZZ_LDFLAGS_$(1)) \
		-o $$@ $$^ $$(PKG_LIBS) -pthread
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rules,$(t))))

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

fuzz-build: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@sh tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-regress: fuzz-build
	@sh tests/fuzz/run.sh regress 0 $(FUZZ_BUILD) $(FUZZ_TARGETS)

# what .ci/run does: replay, then fuzz each target briefly
FUZZ_CI_SECONDS ?= 10
fuzz-ci: fuzz-build
	@sh tests/fuzz/run.sh ci $(FUZZ_CI_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

# The tests and the demo need more than the build does (bats, python3,
# openssl, jq ...): make sure of all of it first; it costs a dpkg query.
# VALGRIND=1: every program and test tool the tests run goes through
# valgrind memcheck (tests/valgrind/); errors and definite leaks fail.
VALGRIND_DIR = $(BUILD)/valgrind

check: deps
	@$(MAKE) --no-print-directory -s all
ifeq ($(VALGRIND),1)
ifeq ($(SANITIZE),1)
	$(error VALGRIND=1 and SANITIZE=1 do not go together)
endif
	@sh tests/valgrind/wrap.sh $(abspath $(BUILD)) $(abspath $(VALGRIND_DIR))
	FALCO_PIPES_BUILD=$(abspath $(BUILD)) \
	FALCO_PIPES_WRAPPERS=$(abspath $(VALGRIND_DIR)) \
		$(BATS) $(BATS_FLAGS) $(TESTS); \
	status=$$?; sh tests/valgrind/report.sh $(VALGRIND_DIR) || status=1; \
	exit $$status
else
	FALCO_PIPES_BUILD=$(abspath $(BUILD)) $(BATS) $(BATS_FLAGS) $(TESTS)
endif

demo: deps
	@$(MAKE) --no-print-directory -s all
	@FALCO_PIPES_BUILD=$(abspath $(BUILD)) sh examples/demo.sh

bench: all
	@FALCO_PIPES_BUILD=$(abspath $(BUILD)) sh bench/run.sh

lint-man:
	mandoc -Tlint -Wwarning $(MANPAGES)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BINARIES) $(DESTDIR)$(BINDIR)
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	for p in $(PROGRAMS); do \
		f=completions/bash/$$p; [ ! -f $$f ] || install -m 644 $$f $(DESTDIR)$(BASHCOMPDIR)/$$p; \
		f=completions/zsh/_$$p; [ ! -f $$f ] || install -m 644 $$f $(DESTDIR)$(ZSHCOMPDIR)/_$$p; \
		f=completions/fish/$$p.fish; [ ! -f $$f ] || install -m 644 $$f $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done

uninstall:
	for p in $(PROGRAMS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(MANDIR)/man1/$$p.1 \
			$(DESTDIR)$(BASHCOMPDIR)/$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p \
			$(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done
	rm -f $(DESTDIR)$(MANDIR)/man7/falco-pipes.7

clean:
	rm -rf build

.PHONY: all deps check demo bench lint-man install uninstall clean \
	fuzz fuzz-build fuzz-ci fuzz-regress
