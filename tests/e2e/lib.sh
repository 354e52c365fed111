# Helpers for the end-to-end scripts: counting checks and reporting.
# Every check prints one line; the script ends with "N passed, M failed".
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# expect_exit CODE DESCRIPTION COMMAND...
expect_exit() {
	local want=$1 what=$2
	shift 2
	"$@" >"$WORK/last.out" 2>"$WORK/last.err"
	local got=$?
	if [ "$got" = "$want" ]; then
		ok "$what (exit $got)"
	else
		not_ok "$what: exit $got, wanted $want"
		sed 's/^/    | /' "$WORK/last.out" "$WORK/last.err" | tail -20
	fi
}

# contains FILE TEXT: the file contains the fixed string.
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -rqF -- "$2" "$1"; }

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
