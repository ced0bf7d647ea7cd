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

@test "make uninstall removes every file make install put there" {
	run -0 make -s -C "$TOP" install BUILD="$BUILD" PREFIX=/usr DESTDIR="$DEST"
	run -0 make -s -C "$TOP" uninstall BUILD="$BUILD" PREFIX=/usr DESTDIR="$DEST"
	run -0 find "$DEST" -type f
	assert_output ""
}
