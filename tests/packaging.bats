#!/usr/bin/env bats
# The release tarball and the Debian package. Everything is built from
# "make dist"'s tarball, unpacked in a temporary directory, so the
# worktree stays as it was: the tarball is what a user and Debian get.

load test_helper

# A user and Debian build the tarball from a clean environment: the
# SANITIZE=1 that "make SANITIZE=1 check" passes down (in MAKEFLAGS and
# the environment) would build it into build/sanitize, not build/.
unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZE VALGRIND

setup_file() {
	TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	PKG=$BATS_FILE_TMPDIR
	VERSION=$(make -s -C "$TOP" version)
	export TOP PKG VERSION
	git -C "$TOP" status --porcelain --ignored >"$PKG/status.before"
	make -s -C "$TOP" dist BUILD="$PKG/build" DISTDIR="$PKG" \
	    >"$PKG/dist.out" 2>&1 || true
	git -C "$TOP" status --porcelain --ignored >"$PKG/status.after"

	debian_tools_missing && return 0
	mkdir "$PKG/deb"
	# a dist that failed is told by the tests that need it, with its output
	if ! tar -C "$PKG/deb" -xzf "$PKG/falco-pipes-$VERSION.tar.gz" \
	    2>"$PKG/deb/tar.err"; then
		{ cat "$PKG/deb/tar.err" "$PKG/dist.out"; } >"$PKG/deb/build.log"
		echo unpacked-no-tarball >"$PKG/deb/build.status"
		return 0
	fi
	local status=0
	(cd "$PKG/deb/falco-pipes-$VERSION" &&
	    DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc) >"$PKG/deb/build.log" 2>&1 || status=$?
	echo "$status" >"$PKG/deb/build.status"
}

debian_tools_missing() {
	local tool
	for tool in dpkg-buildpackage dpkg-deb dh lintian; do
		command -v "$tool" >/dev/null || return 0
	done
	return 1
}

need_package() {
	debian_tools_missing &&
	    skip "dpkg-dev, debhelper or lintian is not installed (make deps installs them)"
	[ "$(cat "$PKG/deb/build.status")" = 0 ] ||
	    fail "dpkg-buildpackage failed: $(tail -20 "$PKG/deb/build.log")"
	DEB=$(echo "$PKG"/deb/falco-pipes_*_*.deb)
	[ -f "$DEB" ] || fail "no falco-pipes .deb in $PKG/deb"
}

@test "make dist makes falco-pipes-VERSION.tar.gz of exactly the files git tracks" {
	assert_equal "$(cat "$PKG/dist.out")" "$PKG/falco-pipes-$VERSION.tar.gz"
	run -0 bash -c 'tar -tzf "$1" | grep -v "/$" | sed "s|^falco-pipes-$2/||" | sort' \
	    bash "$PKG/falco-pipes-$VERSION.tar.gz" "$VERSION"
	assert_output "$(git -C "$TOP" ls-files | LC_ALL=C sort)"
}

@test "make dist writes the version into the tarball's common/version.h" {
	run -0 tar -xzOf "$PKG/falco-pipes-$VERSION.tar.gz" \
	    "falco-pipes-$VERSION/common/version.h"
	assert_line "#define FALCO_PIPES_VERSION \"$VERSION\""
	assert_equal "$(grep -c '^#define FALCO_PIPES_VERSION' <<<"$output")" 1
}

@test "make dist leaves the worktree as it was" {
	assert_equal "$(cat "$PKG/status.after")" "$(cat "$PKG/status.before")"
}

@test "the tarball unpacks and builds with make, and its programs print its version" {
	mkdir "$PKG/plain"
	tar -C "$PKG/plain" -xzf "$PKG/falco-pipes-$VERSION.tar.gz"
	local src=$PKG/plain/falco-pipes-$VERSION p
	run -0 make -s -C "$src" -j2 all
	run -0 make -s -C "$src" version
	assert_output "$VERSION"
	for p in "$TOP"/cmd/*/; do
		p=$(basename "$p")
		run -0 "$src/build/$p" --version
		assert_output "$p $VERSION"
	done
	run -0 "$src/build/falco-filter" -c 'rule exists' "$SAMPLES"
	assert_output 16
}

@test "dpkg-buildpackage -us -uc builds the falco-pipes source and binary packages" {
	need_package
	run -0 bash -c 'cd "$1" && ls falco-pipes_*.dsc falco-pipes_*.changes falco-pipes_*_*.deb' \
	    bash "$PKG/deb"
	assert_line --regexp '^falco-pipes_[^_]+\.dsc$'
	assert_line --regexp '^falco-pipes_[^_]+_[a-z0-9]+\.deb$'
}

@test "the package puts programs, man pages, completions, examples and units where Debian puts them" {
	need_package
	local listing=$PKG/deb/contents p f
	dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$listing"
	for p in "$TOP"/cmd/*/; do
		p=$(basename "$p")
		grep -qx "/usr/bin/$p" "$listing" || fail "no /usr/bin/$p"
		grep -qx "/usr/share/man/man1/$p.1.gz" "$listing" || fail "no $p.1"
		grep -qx "/usr/share/bash-completion/completions/$p" "$listing" ||
		    fail "no bash completion for $p"
		grep -qx "/usr/share/zsh/vendor-completions/_$p" "$listing" ||
		    fail "no zsh completion for $p"
		grep -qx "/usr/share/fish/vendor_completions.d/$p.fish" "$listing" ||
		    fail "no fish completion for $p"
	done
	grep -qx /usr/share/man/man7/falco-pipes.7.gz "$listing" || fail "no falco-pipes.7"
	for f in "$TOP"/examples/systemd/*.service "$TOP"/examples/systemd/*.socket \
	    "$TOP"/examples/systemd/*.timer; do
		grep -qx "/lib/systemd/system/${f##*/}" "$listing" ||
		    fail "no unit ${f##*/} in /lib/systemd/system"
	done
	for f in README.md falco_rules.local.yaml seed.routes systemd/falco-pipes.routes \
	    falco/program_output.yaml falco/file_output.yaml falco/http_output.yaml \
	    falco/falco_rules.local.yaml kubernetes/rbac.yaml logrotate/falco-pipes; do
		grep -qx "/usr/share/doc/falco-pipes/examples/$f" "$listing" ||
		    fail "no example $f"
	done
	grep -qx /usr/share/doc/falco-pipes/copyright "$listing" || fail "no copyright"
	run -1 grep -E '^/(usr/local|etc)/' "$listing"
}

@test "installing the package enables and starts no service" {
	need_package
	dpkg-deb -e "$DEB" "$PKG/deb/control"
	local postinst=$PKG/deb/control/postinst units
	# the units that can be enabled: those with an [Install] section
	units=$(grep -l '^\[Install\]' "$TOP"/examples/systemd/*.service \
	    "$TOP"/examples/systemd/*.socket "$TOP"/examples/systemd/*.timer | wc -l)
	run -1 grep -E 'deb-systemd-invoke|systemctl .*(enable|start)' "$postinst"
	# dh_installsystemd --no-enable: a unit is enabled again on upgrade
	# only if the administrator had enabled it, never on a first install
	run -0 grep -c "deb-systemd-helper enable '" "$postinst"
	assert_output "$units"
	run -0 grep -c "if deb-systemd-helper debian-installed '" "$postinst"
	assert_output "$units"
}

@test "the packaged programs run and print the version they were built as" {
	need_package
	dpkg-deb -x "$DEB" "$PKG/deb/root"
	run -0 "$PKG/deb/root/usr/bin/falco-filter" -c 'rule exists' "$SAMPLES"
	assert_output 16
	run -0 "$PKG/deb/root/usr/bin/falco-route" --version
	assert_output "falco-route $VERSION"
}

@test "lintian finds no error in the source and binary packages" {
	need_package
	run -0 --separate-stderr lintian --fail-on error "$PKG"/deb/falco-pipes_*.changes
	if grep -q '^E: ' <<<"$output"; then
		fail "$output"
	fi
}
