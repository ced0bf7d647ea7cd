#!/usr/bin/env bats
# make install and make uninstall put and take every file in its place.

load test_helper

setup() {
	TOP=$BATS_TEST_DIRNAME/..
	DEST=$BATS_TEST_TMPDIR/root
}

@test "make install puts programs, man pages and completions under DESTDIR and PREFIX" {
	run -0 make -s -C "$TOP" install BUILD="$BUILD" PREFIX=/usr/local DESTDIR="$DEST"
	for p in "$TOP"/cmd/*/; do
		p=$(basename "$p")
		[ -x "$DEST/usr/local/bin/$p" ] || fail "no $p"
		[ -f "$DEST/usr/local/share/man/man1/$p.1" ] || fail "no $p.1"
		[ -f "$DEST/usr/local/share/bash-completion/completions/$p" ] || fail "no bash completion for $p"
		[ -f "$DEST/usr/local/share/zsh/site-functions/_$p" ] || fail "no zsh completion for $p"
		[ -f "$DEST/usr/local/share/fish/vendor_completions.d/$p.fish" ] || fail "no fish completion for $p"
	done
	[ -f "$DEST/usr/local/share/man/man7/falco-pipes.7" ]
	run -0 "$DEST/usr/local/bin/falco-filter" -c 'rule exists' "$SAMPLES"
	assert_output 16
}

@test "make install puts the examples under DOCDIR and the systemd units under SYSTEMDUNITDIR" {
	run -0 make -s -C "$TOP" install BUILD="$BUILD" PREFIX=/usr/local DESTDIR="$DEST"
	local doc=$DEST/usr/local/share/doc/falco-pipes/examples f
	for f in README.md falco_rules.local.yaml seed-alerts.ndjson seed.routes \
	    systemd/falco-pipes.routes falco/program_output.yaml falco/falco_rules.local.yaml \
	    kubernetes/rbac.yaml logrotate/falco-pipes; do
		[ -f "$doc/$f" ] || fail "no example $f"
	done
	# the demo needs the test helpers of the source tree
	[ ! -e "$doc/demo.sh" ] || fail "demo.sh installed"
	[ ! -e "$doc/demo" ] || fail "demo/ installed"
	for f in "$TOP"/examples/systemd/*.service "$TOP"/examples/systemd/*.socket \
	    "$TOP"/examples/systemd/*.timer; do
		cmp -s "$f" "$DEST/usr/local/lib/systemd/system/${f##*/}" ||
		    fail "unit ${f##*/} not installed as it is"
	done
	run -0 make -s -C "$TOP" install BUILD="$BUILD" PREFIX=/usr DESTDIR="$DEST/debian" \
	    SYSTEMDUNITDIR=/lib/systemd/system DOCDIR=/usr/share/doc/falco-pipes
	[ -f "$DEST/debian/lib/systemd/system/falco-pipes.service" ] || fail "SYSTEMDUNITDIR not followed"
	[ -f "$DEST/debian/usr/share/doc/falco-pipes/examples/README.md" ] || fail "DOCDIR not followed"
}

@test "make uninstall removes every file make install put there" {
	run -0 make -s -C "$TOP" install BUILD="$BUILD" PREFIX=/usr DESTDIR="$DEST"
	run -0 make -s -C "$TOP" uninstall BUILD="$BUILD" PREFIX=/usr DESTDIR="$DEST"
	run -0 find "$DEST" ! -type d
	assert_output ""
	# nor the directories of falco-pipes' own
	[ ! -e "$DEST/usr/share/doc/falco-pipes" ] || fail "doc directory left"
}

@test "make deps run by a user who is not root prints the exact apt-get command and stops" {
	local as_user=()
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv is not installed"
		as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	# a directory that user can read, wherever the checkout lives
	DEPS_DIR=$(mktemp -d /tmp/falco-pipes-deps.XXXXXX)
	chmod 755 "$DEPS_DIR"
	cp "$TOP/Makefile" "$DEPS_DIR/"
	run -2 --separate-stderr "${as_user[@]}" make -s -C "$DEPS_DIR" deps \
	    DEB_PACKAGES="bash falco-pipes-no-such-package"
	rm -rf "$DEPS_DIR"
	assert_output ""
	assert_equal "${stderr_lines[0]}" "falco-pipes: missing packages: falco-pipes-no-such-package"
	assert_equal "${stderr_lines[1]}" "run: sudo apt-get install -y falco-pipes-no-such-package"
}
