# falco-pipes: small programs for Falco alert streams.
# Every directory in cmd/ is one program; common/ is one archive linked
# into all of them.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DOCDIR ?= $(PREFIX)/share/doc/falco-pipes
EXAMPLESDIR ?= $(DOCDIR)/examples
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DISTDIR ?= .
PKG_CONFIG ?= pkg-config
CC ?= cc
CFLAGS ?= -O2 -g
BATS ?= bats
BATS_FLAGS ?=
TESTS ?= tests

# The version comes from one place: the nearest git tag vX.Y.Z (as git
# describe says it, so a build past the tag says how far past), else the
# number in common/version.h, which "make dist" rewrites in the tarball.
# Only a tree of its own is asked: a tarball unpacked inside another
# repository must not take that repository's tags.
VERSION := $(shell [ -e .git ] && git describe --tags --match 'v[0-9]*' 2>/dev/null | sed 's/^v//')
ifeq ($(VERSION),)
VERSION := $(shell sed -n 's/^\#define FALCO_PIPES_VERSION "\(.*\)"$$/\1/p' common/version.h 2>/dev/null)
endif

PKGS = libcjson libcurl yaml-0.1 libmicrohttpd gnutls zlib libpcre2-8 libseccomp
WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual
FP_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread -Icommon $(WARNINGS) \
	-DFALCO_PIPES_VERSION='"$(VERSION)"'
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
# Libraries a test preloads into a program (LD_PRELOAD); no sanitizer, so
# that they load into a program built with or without one.
TEST_PRELOADS = $(patsubst tests/tools/preload/%.c,$(BUILD)/tests/%.so,$(wildcard tests/tools/preload/*.c))
MANPAGES = $(wildcard man/*.[1-8])
# Installed as documentation; demo.sh and demo/ need the test helpers.
EXAMPLE_FILES = $(filter-out examples/demo.sh examples/demo/%,\
	$(shell find examples \( -type f -o -type l \) 2>/dev/null | LC_ALL=C sort))
SYSTEMD_UNITS = $(wildcard examples/systemd/*.service \
	examples/systemd/*.socket examples/systemd/*.timer)

# Library flags are asked of pkg-config only when something is compiled,
# so "make deps" works before the libraries are there.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# Debian packages needed to build, test, benchmark and run the demo;
# the second line builds and checks the Debian package, the systemd
# units, the logrotate snippet and the YAML of examples/ (nodejs runs the
# Kubernetes schema check that deps-npm installs).
DEB_PACKAGES = gcc make pkg-config libcjson-dev libcurl4-openssl-dev \
	libyaml-dev libmicrohttpd-dev libgnutls28-dev zlib1g-dev libpcre2-dev libseccomp-dev bats bats-assert bats-support \
	python3 openssl jq mandoc ca-certificates time curl \
	zsh fish bash-completion strace valgrind git \
	prometheus prometheus-pushgateway \
	dpkg-dev debhelper fakeroot lintian systemd man-db logrotate \
	python3-yaml nodejs clang libclang-rt-14-dev

all: $(BINARIES) $(TEST_TOOLS) $(TEST_PRELOADS)

deps: deps-deb
	@$(MAKE) --no-print-directory deps-npm

deps-deb:
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

# The Kubernetes schema validator of tests/examples.bats, at the versions
# tests/k8s/package-lock.json pins, into tests/k8s/node_modules (ignored
# by git). Debian's npm conflicts with NodeSource's nodejs, which carries
# its own: it is installed only when there is no npm at all.
K8S_VALIDATOR = tests/k8s/node_modules/.package-lock.json
deps-npm:
	@[ ! -f tests/k8s/package-lock.json ] || \
		[ $(K8S_VALIDATOR) -nt tests/k8s/package-lock.json ] || { \
		command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends npm; \
		echo "falco-pipes: installing the Kubernetes schema validator (npm ci)" >&2; \
		npm ci --prefix tests/k8s --no-audit --no-fund --loglevel=error; }

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

$(BUILD)/tests/%.so: tests/tools/preload/%.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARNINGS) $(CPPFLAGS) $(CFLAGS) -fPIC \
		-shared $(LDFLAGS) -o $@ $<

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The version is passed with -D, which make cannot see: the files that
# print it are rebuilt when the stamp's content changes (a new tag).
$(BUILD)/version: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" >$@
VERSION_USERS = $(shell grep -l '"version.h"' cmd/*/*.c common/*.c tests/tools/*.c 2>/dev/null)
$(patsubst %.c,$(BUILD)/obj/%.o,$(VERSION_USERS)): $(BUILD)/version

version:
	@echo $(VERSION)

# A release tarball of the files git tracks, named and numbered after
# the version, with that number written into common/version.h.
DIST = falco-pipes-$(VERSION)
dist:
	@[ -e .git ] || { echo "falco-pipes: make dist needs a git checkout" >&2; exit 2; }
	rm -rf $(BUILD)/dist
	mkdir -p $(BUILD)/dist/$(DIST)
	git ls-files -z | tar --null -T - -cf - | tar -C $(BUILD)/dist/$(DIST) -xf -
	sed 's/^#define FALCO_PIPES_VERSION .*/#define FALCO_PIPES_VERSION "$(VERSION)"/' \
		common/version.h >$(BUILD)/dist/$(DIST)/common/version.h
	tar -C $(BUILD)/dist --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$$(git log -1 --format=%ct) -cf - $(DIST) | \
		gzip -9n >$(DISTDIR)/$(DIST).tar.gz
	rm -rf $(BUILD)/dist
	@echo $(DISTDIR)/$(DIST).tar.gz

# libFuzzer harnesses: tests/fuzz/TARGET.c, built by clang with ASan and
# UBSan into build/fuzz/TARGET. "make fuzz" runs each for FUZZ_SECONDS,
# "make fuzz-regress" replays the committed inputs once, "make fuzz-ci"
# does both briefly; all print TAP (tests/fuzz/run.sh). FUZZ_TARGETS=loki
# picks harnesses. A harness that tests a program's own file names it in
# FUZZ_EXTRA_TARGET.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD = build/fuzz
FUZZ_TARGETS = $(basename $(notdir $(wildcard tests/fuzz/*.c)))
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread -Icommon -Itests/fuzz/support \
	$(WARNINGS) -g -O1 $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link
FUZZ_SUPPORT_OBJS = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(wildcard tests/fuzz/support/*.c))
FUZZ_EXTRA_kubeconfig = cmd/falco-netpol/kubeconfig.c
FUZZ_EXTRA_listen = cmd/falco-listen/body.c
FUZZ_EXTRA_loki = cmd/falco-loki/push.c
FUZZ_EXTRA_prom = cmd/falco-prom/metrics.c
FUZZ_EXTRA_slack = cmd/falco-slack/payload.c
FUZZ_EXTRA_webhook = cmd/falco-webhook/shape.c
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
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 755 $(BINARIES) $(DESTDIR)$(BINDIR)
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	for p in $(PROGRAMS); do \
		f=completions/bash/$$p; [ ! -f $$f ] || install -m 644 $$f $(DESTDIR)$(BASHCOMPDIR)/$$p; \
		f=completions/zsh/_$$p; [ ! -f $$f ] || install -m 644 $$f $(DESTDIR)$(ZSHCOMPDIR)/_$$p; \
		f=completions/fish/$$p.fish; [ ! -f $$f ] || install -m 644 $$f $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done
	for f in $(EXAMPLE_FILES); do \
		d=$(DESTDIR)$(EXAMPLESDIR)/$${f#examples/}; \
		if [ -L $$f ]; then \
			install -d $${d%/*} && ln -sfn "$$(readlink $$f)" $$d; \
		else \
			m=644; [ ! -x $$f ] || m=755; install -D -m $$m $$f $$d; \
		fi; \
	done
	for u in $(SYSTEMD_UNITS); do \
		install -m 644 $$u $(DESTDIR)$(SYSTEMDUNITDIR); done

uninstall:
	for p in $(PROGRAMS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(MANDIR)/man1/$$p.1 \
			$(DESTDIR)$(BASHCOMPDIR)/$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p \
			$(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done
	rm -f $(DESTDIR)$(MANDIR)/man7/falco-pipes.7
	for f in $(EXAMPLE_FILES); do rm -f $(DESTDIR)$(EXAMPLESDIR)/$${f#examples/}; done
	for u in $(notdir $(SYSTEMD_UNITS)); do rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; done
	[ ! -d $(DESTDIR)$(EXAMPLESDIR) ] || \
		find $(DESTDIR)$(EXAMPLESDIR) -depth -type d -empty -delete
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

clean:
	rm -rf build

FORCE:

.PHONY: all deps deps-deb deps-npm check demo bench lint-man install uninstall clean version dist FORCE \
	fuzz fuzz-build fuzz-ci fuzz-regress
