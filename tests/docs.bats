#!/usr/bin/env bats
# The documentation of every program built: man pages clean under mandoc,
# every long option of --help in the man page and in the bash, zsh and
# fish completions, --help, --version and usage errors as STYLE.md says.
# A program without its documentation is a bug, so nothing here is skipped
# for a missing man page or completion.

bats_require_minimum_version 1.5.0
load test_helper

TOP=$BATS_TEST_DIRNAME/..
MAN=$TOP/man
COMPLETIONS=$TOP/completions

# The programs built in $BUILD, one per line.
programs() {
	local p
	for p in "$BUILD"/falco-*; do
		[ -f "$p" ] && [ -x "$p" ] && basename "$p"
	done
	return 0
}

# Fail unless at least one program is built: an empty build proves nothing.
require_programs() {
	[ -n "$(programs)" ] || fail "no falco-* program in $BUILD"
}

# The long options a program's --help shows, one per line, without "--".
long_options() {
	"$BUILD/$1" --help | grep -oE -- '--[a-z][a-z0-9-]*' | cut -c3- | sort -u
}

# A man page as plain text, paragraphs unwrapped; the overstrikes that
# make bold and underline removed (col -b needs a package mandoc does not).
man_text() {
	mandoc -Tascii -O width=1000 "$1" | sed 's/.\x08//g'
}

# has_long_option TEXT OPTION: TEXT names --OPTION as a whole word
has_long_option() {
	grep -Eq -- "(^|[^a-z0-9-])--$2([^a-z0-9-]|\$)" <<<"$1"
}

# For each program and each of its long options, run CHECK PROGRAM OPTION;
# fail listing every pair for which CHECK failed.
each_long_option() {
	local check=$1 p opt missing=
	require_programs
	for p in $(programs); do
		for opt in $(long_options "$p"); do
			"$check" "$p" "$opt" || missing+=" $p:--$opt"
		done
	done
	[ -z "$missing" ] || fail "undocumented:$missing"
}

documented_in_man() {
	[ -f "$MAN/$1.1" ] && has_long_option "$(man_text "$MAN/$1.1")" "$2"
}

documented_in_bash() {
	[ -f "$COMPLETIONS/bash/$1" ] &&
		has_long_option "$(cat "$COMPLETIONS/bash/$1")" "$2"
}

documented_in_zsh() {
	[ -f "$COMPLETIONS/zsh/_$1" ] &&
		has_long_option "$(cat "$COMPLETIONS/zsh/_$1")" "$2"
}

# fish names a long option as "-l NAME" or "--long-option NAME"
documented_in_fish() {
	[ -f "$COMPLETIONS/fish/$1.fish" ] &&
		grep -Eq -- "(^|[[:space:]])(-l|--long-option)[[:space:]]+['\"]?$2(['\"]|[[:space:]]|\$)" \
		    "$COMPLETIONS/fish/$1.fish"
}

# The toolkit's version, as common/version.h defines it.
toolkit_version() {
	sed -n 's/^#define FALCO_PIPES_VERSION "\(.*\)"$/\1/p' "$TOP/common/version.h"
}

# Lines of a synopsis made comparable: case, "…" and the blank that mdoc
# puts before "..." do not count.
normalise_synopsis() {
	sed -e 's/…/.../g' -e 's/ *\.\.\./.../g' -e 's/[[:space:]][[:space:]]*/ /g' \
	    -e 's/^ //' -e 's/ $//' | tr '[:upper:]' '[:lower:]'
}

# The synopsis lines that usage() prints, without the "PROG: usage: " prefix.
# A line that does not start with the program's name continues the one
# before it (a long synopsis is wrapped).
usage_synopsis() {
	"$BUILD/$1" --no-such-option 2>&1 >/dev/null |
		awk -v p="$1" '
		index($0, p ": usage: ") == 1 {
			if (line != "") print line
			line = substr($0, length(p) + 10); next
		}
		$0 ~ "^" p ":  +" p " " {
			if (line != "") print line
			sub("^" p ":  +", ""); line = $0; next
		}
		$0 ~ "^" p ":  +" { sub("^" p ":  +", ""); line = line " " $0 }
		END { if (line != "") print line }' |
		normalise_synopsis
}

# The SYNOPSIS section of a man page, one line per form of the command.
man_synopsis() {
	man_text "$MAN/$1.1" |
		awk '/^[A-Z]/ { on = ($0 == "SYNOPSIS"); next } on && NF' |
		normalise_synopsis
}

@test "mandoc -Tlint -Wwarning finds nothing to say about any man page" {
	run -0 --separate-stderr mandoc -Tlint -Wwarning "$MAN"/*.[1-8]
	assert_output ""
	assert_equal "$stderr" ""
}

@test "every program built has a man page in section 1" {
	local p missing=
	require_programs
	for p in $(programs); do
		[ -f "$MAN/$p.1" ] || missing+=" $p"
	done
	[ -z "$missing" ] || fail "no man page:$missing"
}

@test "every man page in section 1 has the sections STYLE.md asks for" {
	local page section text missing=
	for page in "$MAN"/*.1; do
		text=$(man_text "$page")
		for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" ENVIRONMENT \
		    FILES EXAMPLES "SEE ALSO"; do
			grep -qx -- "$section" <<<"$text" ||
				missing+=" $(basename "$page"):$section"
		done
	done
	[ -z "$missing" ] || fail "missing sections:$missing"
}

@test "falco-pipes(7) names every program built" {
	local p text missing=
	require_programs
	text=$(man_text "$MAN/falco-pipes.7")
	for p in $(programs); do
		grep -qw -- "$p" <<<"$text" || missing+=" $p"
	done
	[ -z "$missing" ] || fail "not in falco-pipes.7:$missing"
}

@test "every long option of every program's --help is in its man page" {
	each_long_option documented_in_man
}

@test "every long option of every program's --help is in its bash completion" {
	each_long_option documented_in_bash
}

@test "every long option of every program's --help is in its zsh completion" {
	each_long_option documented_in_zsh
}

@test "every long option of every program's --help is in its fish completion" {
	each_long_option documented_in_fish
}

@test "--help of every program prints usage on standard output and exits 0" {
	local p
	require_programs
	for p in $(programs); do
		run -0 --separate-stderr "$BUILD/$p" --help
		assert_equal "$stderr" ""
		assert_line --index 0 --regexp "^usage: $p( |\$)"
	done
}

@test "--version of every program prints its name and the toolkit's version" {
	local p version
	require_programs
	version=$(toolkit_version)
	[ -n "$version" ] || fail "no FALCO_PIPES_VERSION in common/version.h"
	for p in $(programs); do
		run -0 --separate-stderr "$BUILD/$p" --version
		assert_output "$p $version"
		assert_equal "$stderr" ""
	done
}

@test "a bad option makes every program exit 2 with its synopsis on standard error" {
	local p
	require_programs
	for p in $(programs); do
		run -2 --separate-stderr "$BUILD/$p" --no-such-option
		assert_output ""
		[[ $stderr == *"$p: usage: $p"* ]] ||
			fail "$p: no synopsis on stderr: $stderr"
	done
}

@test "the SYNOPSIS of every man page says what the program's usage says" {
	local p differ=
	require_programs
	for p in $(programs); do
		[ -f "$MAN/$p.1" ] || { differ+=" $p(no man page)"; continue; }
		[ "$(usage_synopsis "$p")" = "$(man_synopsis "$p")" ] ||
			differ+=$'\n'"$p: usage: $(usage_synopsis "$p")"$'\n'"$p: man: $(man_synopsis "$p")"
	done
	[ -z "$differ" ] || fail "synopses differ:$differ"
}

@test "every bash completion file parses" {
	local f
	for f in "$COMPLETIONS"/bash/*; do
		run -0 bash -n "$f"
	done
}

@test "every zsh completion file parses" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	local f
	for f in "$COMPLETIONS"/zsh/_*; do
		run -0 zsh -n "$f"
	done
}

@test "every fish completion file parses" {
	command -v fish >/dev/null || skip "fish is not installed"
	local f
	for f in "$COMPLETIONS"/fish/*.fish; do
		run -0 fish --no-execute "$f"
	done
}

# bash_complete WORD...: what falco-filter's bash completion offers for the
# last word, one per line
bash_complete() {
	local bash_completion=/usr/share/bash-completion/bash_completion
	[ -f "$bash_completion" ] || skip "bash-completion is not installed"
	bash -c '
		source "$1" && source "$2" || exit 2
		compopt() { :; }	# only valid inside a real completion
		shift 2
		COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
		COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
		_falco_filter
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$bash_completion" "$COMPLETIONS/bash/falco-filter" falco-filter "$@"
}

@test "bash completes the long options of falco-filter" {
	run -0 bash_complete --thr
	assert_output "--throttle=
--throttle-keys="
}

@test "bash completes the priorities after falco-filter -p" {
	run -0 bash_complete -p cr
	assert_output "critical"
}

@test "bash completes a field name after the last comma of --json-fields" {
	run -0 bash_complete --json-fields rule,k8s.p
	assert_output "rule,k8s.pod.name"
}

@test "bash completes a field name after the last % of falco-filter -o" {
	run -0 bash_complete -o '%rule %k8s.n'
	assert_output "%rule %k8s.ns.name"
}

# fish_complete LINE: what falco-filter's fish completion offers
fish_complete() {
	command -v fish >/dev/null || skip "fish is not installed"
	fish -N -c 'source $argv[1]; complete -C $argv[2]' \
	    "$COMPLETIONS/fish/falco-filter.fish" "$1" | cut -f1
}

@test "fish completes the priorities after falco-filter --min-priority=" {
	run -0 fish_complete 'falco-filter --min-priority=war'
	assert_output "--min-priority=warning"
}

@test "fish completes a field name after the last % of falco-filter -o" {
	run -0 fish_complete 'falco-filter -o %rule/%proc.pna'
	assert_output "%rule/%proc.pname"
}
