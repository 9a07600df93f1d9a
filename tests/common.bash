# common.bash - shared by every tests/*.bats file.
#
# Table rows are one-line tests:
#   @test "nn-train: -e -3 is a usage error" { row 2 'epochs' nn-train -e -3 x.csv; }
# row STATUS PATTERN CMD...   runs CMD, checks its exit status and that stderr
#                              (for status 0: stdout and stderr) matches the
#                              extended regular expression PATTERN ('' = any).
# Keep awk programs out of one-line rows (bats reads their braces as the
# test's end): put them in a helper function of the .bats file.
bats_require_minimum_version 1.5.0

setup() {
	export PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	TMP="$BATS_TEST_TMPDIR"
	cd "$TMP" || return 1
}

# row STATUS PATTERN CMD...
# Under CI's AddressSanitizer pass (.ci/run) LeakSanitizer is on: a program
# that succeeds must free what it allocated (a leak exits 23); one that
# exits with an error may keep it (errx), so for those rows it is off.
row() {
	local want=$1 pat=$2
	shift 2
	if [ "$want" -ne 0 ]; then
		local ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
		export ASAN_OPTIONS
	fi
	run --separate-stderr "$@"
	if [ "$status" -ne "$want" ]; then
		echo "status $status, expected $want: $*" >&2
		echo "stderr: $stderr" >&2
		return 1
	fi
	local text
	if [ "$want" -eq 0 ]; then text="$output"$'\n'"$stderr"; else text=$stderr; fi
	if [ -n "$pat" ] && ! grep -Eq -- "$pat" <<<"$text"; then
		echo "output does not match /$pat/: $*" >&2
		echo "stdout: $output" >&2
		echo "stderr: $stderr" >&2
		return 1
	fi
	# An error is one clear line on stderr; a usage error (2) then says
	# "Try 'PROG --help'." (cmd/opts.h).
	local msg=$stderr
	if [ "$want" -eq 2 ]; then
		if ! printf '%s\n' "$stderr" | tail -n 1 | grep -qE "^Try 'nn-[a-z]+ --help'\.\$"; then
			echo "no Try line after a usage error: $stderr" >&2
			return 1
		fi
		msg=$(printf '%s\n' "$stderr" | sed '$d')
	fi
	if [ "$want" -ne 0 ] && [ "$(printf '%s\n' "$msg" | grep -c .)" -ne 1 ]; then
		echo "expected exactly one line on stderr, got: $stderr" >&2
		return 1
	fi
}

# rowin STATUS PATTERN STDIN-FILE CMD...   like row, stdin from a file
rowin() {
	local want=$1 pat=$2 in=$3
	shift 3
	row "$want" "$pat" bash -c '"$@" <"$0"' "$in" "$@"
}

# The SYNOPSIS of man page $1, as usage() must print it.
man_synopsis() {
	MANWIDTH=200 mandoc -Tascii -O width=200 "$BATS_TEST_DIRNAME/../man/$1" |
	    col -b | awk '/^SYNOPSIS/{f=1;next} /^[A-Z]/{f=0} f' |
	    sed -e 's/^ *//' -e '/^$/d'
}

# check_usage PROG PAGE: `PROG --help` begins with exactly the man page's
# SYNOPSIS (after "usage: ", up to the first empty line; line breaks and
# indentation are free) and exits 0, and a bad option is a usage error:
# one line naming it, then "Try 'PROG --help'.", exit 2.
check_usage() {
	local prog=$1 page=$2 want got
	want=$(man_synopsis "$page" | tr '\t\n' '  ' | tr -s ' ')
	run --separate-stderr "$prog" --help
	[ "$status" -eq 0 ] || { echo "--help exited $status" >&2; return 1; }
	got=$(printf '%s\n' "$output" | sed -e '/^$/,$d' -e 's/^usage: //' -e 's/^ *//' | tr '\t\n' '  ' | tr -s ' ')
	if [ "$got" != "$want" ]; then
		printf 'usage differs from SYNOPSIS\n--- man\n%s\n--- usage\n%s\n' "$want" "$got" >&2
		return 1
	fi
	run --separate-stderr "$prog" --no-such-option
	[ "$status" -eq 2 ] || { echo "bad option exited $status" >&2; return 1; }
	[ "$stderr" = "$prog: unknown option '--no-such-option'"$'\n'"Try '$prog --help'." ] ||
	    { echo "a bad option: $stderr" >&2; return 1; }
}

# No program writes over one of its inputs (cmd/util.h).
# saved FILE...: keep a copy of each FILE as FILE.saved
saved() { local f; for f; do cp "$f" "$f.saved" || return 1; done; }
# unchanged FILE...: each FILE still holds its saved bytes, and no temporary
# file (.NAME.nnkit-tmp.PID.XXXXXX) is left in the current directory
unchanged() {
	local f
	for f; do cmp "$f" "$f.saved" || return 1; done
	[ -z "$(ls -A | grep '^\.')" ] || { echo "left behind: $(ls -A | grep '^\.')" >&2; return 1; }
}
