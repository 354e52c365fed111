#!/usr/bin/env bash
# The wizard's live AWS probes against moto_server (no dry run): leaving the
# connection screen shows the account and identity the credentials resolve
# to; leaving the region screen shows its available zones; a region with
# fewer than 2 (an unknown one here) is refused and the wizard stays; F4
# lists every enabled region with its zone count, as boto3 reads them from
# the same moto; the zones screen offers the zones AWS lists, not letters.
# Usage: wizard_aws.sh LANDFALL_BINARY SOURCE_DIR
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/landfall-wizaws.XXXXXX)
SOCK=$WORK/tmux.sock
MOTO_PID=
cleanup() {
	tmux -S "$SOCK" kill-server >/dev/null 2>&1
	[ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null
	[ -n "${AWS_PROXY_PID:-}" ] && kill "$AWS_PROXY_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
. "$SRC/tests/e2e/lib.sh"
TIMEOUT=${WIZ_TIMEOUT:-20}
S=aws
tm() { tmux -S "$SOCK" "$@"; }
. "$SRC/tests/e2e/tmux_lib.sh"

for v in $(compgen -e | grep -E '^(AWS_|https?_proxy$|HTTPS?_PROXY$)'); do unset "$v"; done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for i in $(seq 150); do
	python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
	sleep 0.1
done
export HOME=$WORK/home XDG_STATE_HOME=$WORK/state
mkdir -p "$HOME" "$XDG_STATE_HOME" "$WORK/run"

# answers REGION [ENDPOINT]: an AWS answers file using moto (or ENDPOINT).
answers() {
	sed -e "/^  profile:/d" -e "s|^  region: .*|  region: $1|" -e "s|^aws:|aws:\n  endpoint_url: ${2:-http://127.0.0.1:$port}|" \
		"$SRC/tests/answers/aws.yaml" >"$WORK/a.yaml"
}
tm -f /dev/null new-session -d -s keeper "sleep 3600"
start() {
	S=$1
	tm new-session -d -s "$S" -x 80 -y 24 \
		"cd '$WORK/run' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1 LANDFALL_TEST_SUPPORT_PASSWORD=x LANDFALL_TEST_REGISTRY_PASSWORD=y LANG=C.UTF-8 LANGUAGE= TERM=xterm-256color ${ASAN_OPTIONS:+ASAN_OPTIONS='$ASAN_OPTIONS'} '$LF' --answers '$WORK/a.yaml' 2>'$WORK/$S.stderr'; sleep 600"
}

answers eu-west-1
start good
expect "the answers load" "Continue with the current answers"
keys Enter PgDn PgDn
expect "connection: the identity the credentials resolve to" "AWS: account 123456789012 as arn:aws:"
expect "on to the region screen" "Landfall - Region"
keys PgDn
expect "region: its available zones" "eu-west-1: 3 available zones"
check "region: named" shows "eu-west-1: 3 available zones (a, b, c)"
expect "on to the zones screen" "Landfall - Availability zones"
check "zones: the region's three zones offered, as chosen" shows "[x]a [x]b [x]c (eu-west-1)"
check "zones: no zone AWS did not list" lacks_screen "[ ]d"

# What boto3 reads from the same moto: "REGION COUNT ZONE..." per line.
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=x python3 - "$port" >"$WORK/regions.txt" <<'PY'
import sys, boto3
url = "http://127.0.0.1:%s" % sys.argv[1]
ec2 = boto3.client("ec2", region_name="eu-west-1", endpoint_url=url)
for r in sorted(x["RegionName"] for x in ec2.describe_regions()["Regions"]):
    zs = boto3.client("ec2", region_name=r, endpoint_url=url).describe_availability_zones()
    names = sorted(z["ZoneName"] for z in zs["AvailabilityZones"]
                   if z["State"] == "available" and z.get("ZoneType", "availability-zone") == "availability-zone")
    print(r, len(names), *names)
PY
nreg=$(wc -l <"$WORK/regions.txt")
# A region whose zone letters are not a, b, c...: only AWS's list offers them.
gap=$(awk '{ s = ""; for (i = 3; i <= NF; i++) s = s substr($i, length($1) + 1); if ($2 >= 3 && index("abcdef", s) != 1) { print NR - 1, $1; exit } }' "$WORK/regions.txt")
gap_idx=${gap% *} gap_name=${gap#* }
two=$(awk '$2 == 2 { print NR - 1, $1; exit }' "$WORK/regions.txt")
two_idx=${two% *} two_name=${two#* }
check "boto3: moto lists regions, one with gaps in its zone letters, one with 2 zones" \
	test "$nreg" -gt 10 -a -n "$gap_name" -a -n "$two_name"

answers eu-west-1
start list
expect "list: the answers load" "Continue with the current answers"
keys Enter PgDn PgDn
wait_for "Landfall - Region" >/dev/null
check "list: F4 offered on the region screen" shows "F4 Regions"
expect "list: read in the background on entering the screen" "$nreg regions read: F4 lists them with their zones."
keys F4
expect "list: F4 lists every enabled region" "$nreg regions enabled for this account"
check "list: the current region is shown with its count" shows_re "eu-west-1 +3 zones"
keys Home
sleep 0.3
ok=0
for n in $(seq 1 12); do
	read -r name count _ < <(sed -n "${n}p" "$WORK/regions.txt")
	unit=zones; [ "$count" = 1 ] && unit=zone
	shows_re "$name +$count $unit" && ok=$((ok + 1))
done
check "list: the first 12 rows match boto3's region and zone count" test "$ok" = 12
for i in $(seq "$gap_idx"); do keys Down; done
keys Enter
gap_zones=$(awk -v r="$gap_name" '$1 == r { for (i = 3; i <= NF; i++) printf "%s%s", (i > 3 ? ", " : ""), substr($i, length(r) + 1) }' "$WORK/regions.txt")
expect "list: choosing $gap_name shows its zones" "$gap_name: 3 available zones ($gap_zones)"
check "list: the region field holds it" shows_re "Region +$gap_name"
keys PgDn
expect "list: on to the zones screen" "Landfall - Availability zones"
letters=$(awk -v r="$gap_name" '$1 == r { for (i = 3; i <= NF; i++) printf "[ ]%s ", substr($i, length(r) + 1) }' "$WORK/regions.txt")
check "zones: the letters AWS lists ($letters)" shows "${letters% }"
check "zones: the other region's zones let go, and said so" shows "Unselected, not in $gap_name: eu-west-1a, eu-west-1b, eu-west-1c"
keys Space Right Right Space
first=$(awk -v r="$gap_name" '$1 == r { print $3 }' "$WORK/regions.txt")
third=$(awk -v r="$gap_name" '$1 == r { print $5 }' "$WORK/regions.txt")
keys F2
expect "zones: F2 asks where to save" "Save the answers to"
field "$WORK/list-saved.yaml"
keys Enter
expect "zones: saved" "Saved to"
check "saved: the region chosen from the list" grep -q "region: $gap_name" "$WORK/list-saved.yaml"
check "saved: the first and third zone AWS listed" bash -c "grep -q -- '- $first' '$WORK/list-saved.yaml' && grep -q -- '- $third' '$WORK/list-saved.yaml'"
keys Escape
expect "back on the region screen" "Landfall - Region"
keys F4
expect "list: the second time from memory" "$nreg regions enabled for this account" 3
keys Home
for i in $(seq "$two_idx"); do keys Down; done
keys Enter
expect "list: a 2-zone region is asked about" "$two_name has only 2 available zones"
keys Enter
expect "list: accepted with a warning" "$two_name: only 2 available zones"

# Slow AWS (the proxy stand-in delays every call): the list is read in the
# background while the user types; F4 waits for it, Esc stops waiting and
# the reading goes on; it is read once, every call correctly signed.
. "$SRC/tests/e2e/aws_proxy.sh"
aws_proxy_start "http://127.0.0.1:$port" "delay:700"
answers eu-west-1 "$AWS_PROXY_URL"
start slow
expect "slow: the answers load" "Continue with the current answers"
keys Enter PgDn PgDn
expect "slow: reading in the background, said in the title bar" "Reading the regions  Step 3 of"
field "us-east-2"
check "slow: typing meanwhile" shows_re "Region +us-east-2"
check "slow: still reading after typing" shows "Reading the regions  Step 3 of"
keys F4
expect "slow: F4 waits for the list" "Listing the regions and counting their zones"
keys Escape
expect "slow: Esc stops waiting" "Stopped waiting: type the region"
keys F4
expect "slow: F4 again shows the list when read" "$nreg regions enabled for this account"
# highlighted REGEX: the row matching REGEX is drawn selected (reverse or cyan).
highlighted() { tm capture-pane -e -p -t "$S" | grep -E "$1" | grep -qE $'\e\\[([0-9;]*;)?(7|46)(;[0-9;]*)?m'; }
not_highlighted() { ! highlighted "$1"; }
check "slow: the typed region is the one highlighted" highlighted "us-east-2 +3 zones"
check "slow: (and no other)" not_highlighted "us-east-1 +6 zones"
keys Escape
check "slow: the regions were listed once" test "$(aws_proxy_stat by_operation.ec2:DescribeRegions)" = 1
check "slow: each region's zones read once" test "$(aws_proxy_stat by_operation.ec2:DescribeAvailabilityZones)" = "$nreg"
check "slow: every parallel call correctly signed for its region" test "$(aws_proxy_stat signature_failures)" = 0

answers eu-south-9
start bad
expect "bad region: the answers load" "Continue with the current answers"
keys Enter PgDn PgDn
wait_for "Landfall - Region" >/dev/null
keys PgDn
expect "bad region: refused or asked about" "eu-south-9"
check "bad region: still on the region screen behind the message" shows "Region"
finish
