# STAND-IN helpers for the recording shims of tests/test_ubuntu_backend.c
# (docker, systemctl, sysctl). Not a real tool: sourced by the shims, which
# the test copies into ROOT/usr/bin of a root prefix (ubuntu_config.root_prefix).
# Every call is appended to ROOT/shim.log as one line: NAME [arg] [arg] ...
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$ROOT/var/lib/landfall-shims
mkdir -p "$STATE"
record() {
	line=$1
	shift
	for a in "$@"; do line="$line [$a]"; done
	printf '%s\n' "$line" >>"$ROOT/shim.log"
}
