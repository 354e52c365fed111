# Start the STAND-IN Kubernetes API server (tests/k8s_standin.py: no real
# API server can be installed here). Source it, then:
#   k8s_standin_start DIR NODES_JSON [PORT [OPTION...]]
#       sets K8S_STANDIN_PID; the port is in DIR/port, the kubeconfig in
#       DIR/kubeconfig; OPTIONs go to the stand-in (--node-root D, ...)
# The caller kills K8S_STANDIN_PID at exit. Needs $SRC and $WORK.
k8s_standin_start() {
	local dir=$1 nodes=$2 port=${3:-0}
	shift 3 2>/dev/null || shift $#
	rm -f "$dir/port"
	python3 "$SRC/tests/k8s_standin.py" --dir "$dir" --nodes "$nodes" \
		--port "$port" "$@" >>"$WORK/standin.log" 2>&1 &
	K8S_STANDIN_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$dir/port" ] && return 0
		sleep 0.1
	done
	echo "not ok - the stand-in API server did not start:"
	tail -20 "$WORK/standin.log"
	return 1
}
