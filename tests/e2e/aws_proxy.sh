# Start tests/aws_proxy.py (a test stand-in: signature checks, injected
# faults, the calls moto lacks) in front of moto. Source it, then:
#   aws_proxy_start UPSTREAM_URL [FAULTS]  sets AWS_PROXY_URL and AWS_PROXY_PID
#   aws_proxy_faults [SPEC]                changes the faults ("" for none)
#   aws_proxy_stat KEY                     one counter of /__proxy/stats
# The caller kills AWS_PROXY_PID at exit. Needs $SRC and $WORK.
aws_proxy_start() {
	local pf=$WORK/proxy.port i
	rm -f "$pf"
	python3 "$SRC/tests/aws_proxy.py" --upstream "$1" --port-file "$pf" \
		--faults "${2:-}" --log "$WORK/proxy.log" &
	AWS_PROXY_PID=$!
	for i in $(seq 100); do
		[ -s "$pf" ] && break
		sleep 0.1
	done
	if [ ! -s "$pf" ]; then
		echo "FAILED: the AWS proxy did not start" >&2
		return 1
	fi
	AWS_PROXY_URL=http://127.0.0.1:$(cat "$pf")
}

aws_proxy_faults() {
	python3 -c "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1]+'/__proxy/faults', data=sys.argv[2].encode(), method='POST'))" \
		"$AWS_PROXY_URL" "${1:-}"
}

aws_proxy_stat() {
	python3 -c "
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(sys.argv[1] + '/__proxy/stats'))
for k in sys.argv[2].split('.'):
    s = s[k]
print(s)" "$AWS_PROXY_URL" "$1"
}
