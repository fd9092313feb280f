# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by scripts/demo.sh and the integration tests: a server and a client
# network namespace joined by a veth pair, a real nginx serving TLS in the
# server namespace, and enforcerd watching it. Source it; call enf_setup,
# then enf_start_nginx and enf_start_enforcerd; enf_cleanup runs on EXIT.
#
# Addresses are from TEST-NET-1 (192.0.2.0/24, RFC 5737) and exist only inside
# the namespaces made here: server 192.0.2.1, clients 192.0.2.2, 192.0.2.3,
# 192.0.2.5 and 192.0.2.9.

ENF_ID=${ENF_ID:-enf$$}
ENF_NS_SRV=${ENF_ID}-srv
ENF_NS_CLI=${ENF_ID}-cli
ENF_IF_SRV=${ENF_ID}s
ENF_IF_CLI=${ENF_ID}c
ENF_SRV_ADDR=192.0.2.1
ENF_CLI_ADDR=192.0.2.2
ENF_CLI2_ADDR=192.0.2.3
ENF_CLI3_ADDR=192.0.2.5
ENF_CLI4_ADDR=192.0.2.9
ENF_PORT=8443
ENF_PIN=/sys/fs/bpf/${ENF_ID}
ENF_TMP=
ENF_NGINX_PID=
ENF_DAEMON_PID=

# Named assertions: check NAME CMD... (pass and fail counts)
# shellcheck source=../check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../check.sh"

enf_die() {
	echo "FATAL: $*" >&2
	exit 1
}

enf_need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "SKIP: needs root (network namespaces, XDP, uprobes)" >&2
		exit 77
	fi
}

enf_cleanup() {
	local rc=$? sandbox_refused=0
	if [[ -n $ENF_DAEMON_PID ]] && kill -0 "$ENF_DAEMON_PID" 2>/dev/null; then
		kill -TERM "$ENF_DAEMON_PID" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$ENF_DAEMON_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$ENF_DAEMON_PID" 2>/dev/null
	fi
	# The sandbox's allowlist must cover every path a test drives: a
	# refused system call fails the test, unless it said it expects one.
	if [[ ${ENF_SANDBOX_REFUSALS_OK:-0} != 1 && -n $ENF_TMP &&
		-f $ENF_TMP/enforcerd.log ]] &&
		grep -q "sandbox: refused system call" "$ENF_TMP/enforcerd.log"; then
		echo "FAIL - the sandbox refused system calls:" >&2
		grep "sandbox: refused system call" "$ENF_TMP/enforcerd.log" >&2
		[[ $rc -eq 0 ]] && rc=1
		sandbox_refused=1
	fi
	if [[ -n $ENF_NGINX_PID ]]; then
		kill -TERM "$ENF_NGINX_PID" 2>/dev/null
		wait "$ENF_NGINX_PID" 2>/dev/null
	fi
	if [[ -n $ENF_CGROUP_DIR && -d $ENF_CGROUP_DIR ]]; then
		for _ in $(seq 50); do
			rmdir "$ENF_CGROUP_DIR" 2>/dev/null && break
			sleep 0.1
		done
		rmdir "$(dirname "$ENF_CGROUP_DIR")" 2>/dev/null
	fi
	ip netns del "$ENF_NS_SRV" 2>/dev/null
	ip netns del "$ENF_NS_CLI" 2>/dev/null
	# enforcerd leaves its programs attached and maps pinned at stop (the
	# namespaces' deletion above drops the programs); remove the pins.
	[[ -d $ENF_PIN ]] && rm -rf "$ENF_PIN"
	[[ -n $ENF_TMP && -d $ENF_TMP ]] && rm -rf "$ENF_TMP"
	# an EXIT trap's return does not change the exit status; exit does
	[[ $sandbox_refused -eq 1 ]] && exit 1
	return $rc
}

# enf_setup BUILD_DIR: namespaces, veth, addresses, certificate, configs.
enf_setup() {
	ENF_BUILD=$(cd "$1" && pwd) || enf_die "no build directory $1"
	ENF_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	ENFORCERD=$ENF_BUILD/enforcer/enforcerd
	ENFORCERCTL=$ENF_BUILD/enforcer/enforcerctl
	[[ -x $ENFORCERD && -x $ENFORCERCTL ]] ||
		enf_die "enforcerd/enforcerctl not built in $ENF_BUILD (run make)"
	command -v nginx >/dev/null || enf_die "nginx not installed (make deps)"
	trap enf_cleanup EXIT
	trap 'exit 130' INT TERM

	ENF_TMP=$(mktemp -d /tmp/enforcer-${ENF_ID}.XXXXXX)
	chmod 755 "$ENF_TMP"
	ip netns add "$ENF_NS_SRV" || enf_die "ip netns add"
	ip netns add "$ENF_NS_CLI" || enf_die "ip netns add"
	ip link add "$ENF_IF_SRV" netns "$ENF_NS_SRV" type veth \
		peer name "$ENF_IF_CLI" netns "$ENF_NS_CLI" || enf_die "veth"
	ip -n "$ENF_NS_SRV" addr add "$ENF_SRV_ADDR/24" dev "$ENF_IF_SRV"
	ip -n "$ENF_NS_CLI" addr add "$ENF_CLI_ADDR/24" dev "$ENF_IF_CLI"
	ip -n "$ENF_NS_CLI" addr add "$ENF_CLI2_ADDR/24" dev "$ENF_IF_CLI"
	ip -n "$ENF_NS_CLI" addr add "$ENF_CLI3_ADDR/24" dev "$ENF_IF_CLI"
	ip -n "$ENF_NS_CLI" addr add "$ENF_CLI4_ADDR/24" dev "$ENF_IF_CLI"
	for ns in "$ENF_NS_SRV" "$ENF_NS_CLI"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$ENF_NS_SRV" link set "$ENF_IF_SRV" up
	ip -n "$ENF_NS_CLI" link set "$ENF_IF_CLI" up

	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=demo.enforcer.test" -days 2 \
		-keyout "$ENF_TMP/key.pem" -out "$ENF_TMP/cert.pem" \
		>/dev/null 2>&1 || enf_die "openssl req"
	mkdir -p "$ENF_TMP/www"
	echo "welcome to the demo shop" >"$ENF_TMP/www/index.html"
	chmod -R a+rX "$ENF_TMP/www"
	cat >"$ENF_TMP/nginx.conf" <<NGINX
worker_processes 1;
pid $ENF_TMP/nginx.pid;
error_log $ENF_TMP/nginx-error.log;
events { worker_connections 64; }
http {
	access_log $ENF_TMP/nginx-access.log;
	server {
		listen $ENF_SRV_ADDR:$ENF_PORT ssl http2;
		ssl_certificate $ENF_TMP/cert.pem;
		ssl_certificate_key $ENF_TMP/key.pem;
		root $ENF_TMP/www;
		location /search { default_type text/plain; return 200 "results for your search\n"; }
		location /secret { default_type text/plain; return 200 "the secret page\n"; }
	}
}
NGINX
	cat >"$ENF_TMP/enforcer.conf" <<CONF
# enforcerd configuration written by tests/integration/lib.sh
interface = $ENF_IF_SRV
xdp_mode = auto
rules_dir = $ENF_SRC/rules/sets
database = $ENF_TMP/policy.db
control_socket = $ENF_TMP/enforcerd.sock
pin_path = $ENF_PIN
log_level = info
CONF
}

# nginx runs in a cgroup v2 group named as Docker names a container's
# (ENF_CGROUP, relative to the cgroup2 mount; ENF_CONTAINER its id), so the
# audit rows' cgroup path and container id can be checked; without a
# cgroup2 mount it runs where the test does and both stay empty.
enf_start_nginx() {
	local cg2
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	ENF_CONTAINER=$(printf 'enf%s' "$$" | sha256sum | cut -c1-64)
	ENF_CGROUP=/enf-test-$$/docker-$ENF_CONTAINER.scope
	if [[ -z $cg2 ]] || ! mkdir -p "$cg2$ENF_CGROUP"; then
		echo "# no cgroup2 mount: nginx stays in the test's cgroup"
		ENF_CGROUP= ENF_CONTAINER=
	else
		ENF_CGROUP_DIR=$cg2$ENF_CGROUP
	fi
	(
		[[ -n $ENF_CGROUP ]] &&
			echo "$BASHPID" >"$ENF_CGROUP_DIR/cgroup.procs"
		exec ip netns exec "$ENF_NS_SRV" nginx -c "$ENF_TMP/nginx.conf" \
			-p "$ENF_TMP" -e "$ENF_TMP/nginx-error.log" \
			-g 'daemon off;'
	) &
	ENF_NGINX_PID=$!
	for _ in $(seq 50); do
		ip netns exec "$ENF_NS_SRV" ss -ltn 2>/dev/null |
			grep -q "$ENF_SRV_ADDR:$ENF_PORT" && return 0
		sleep 0.1
	done
	cat "$ENF_TMP/nginx-error.log" >&2
	enf_die "nginx did not start"
}

# enforcerd runs in the server's network namespace (nsenter --net keeps the
# host's /sys, so bpffs pins stay visible to the host) and logs to a file.
# Extra arguments go to enforcerd (--detach).
# The unit's CapabilityBoundingSet as setpriv's list: every integration
# test's enforcerd runs inside it, with no_new_privs, as systemd would
# start it (packaging/systemd/enforcerd.service).
enf_unit_caps() {
	sed -n 's/^CapabilityBoundingSet=//p' \
		"$ENF_SRC/packaging/systemd/enforcerd.service" |
		tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' |
		sed 's/^/+/' | paste -sd,
}

enf_start_enforcerd() {
	local caps
	caps=$(enf_unit_caps)
	[[ -n $caps ]] || enf_die "no CapabilityBoundingSet in the unit"
	nsenter --net=/run/netns/"$ENF_NS_SRV" \
		setpriv --bounding-set "-all,$caps" --inh-caps=-all \
		--no-new-privs -- "$ENFORCERD" \
		-c "$ENF_TMP/enforcer.conf" "$@" >>"$ENF_TMP/enforcerd.log" 2>&1 &
	ENF_DAEMON_PID=$!
	for _ in $(seq 100); do
		if ! kill -0 "$ENF_DAEMON_PID" 2>/dev/null; then
			cat "$ENF_TMP/enforcerd.log" >&2
			enf_die "enforcerd exited during start-up"
		fi
		enf_ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$ENF_TMP/enforcerd.log" >&2
	enf_die "enforcerd did not answer on its control socket"
}

enf_ctl() {
	"$ENFORCERCTL" -s "$ENF_TMP/enforcerd.sock" "$@"
}

# enf_curl FROM_ADDR PATH [curl args...]: one HTTPS request over HTTP/1.1
# (nginx also offers HTTP/2) from the client namespace, bound to FROM_ADDR;
# prints the body; fails on any error.
enf_curl() {
	local from=$1 path=$2
	shift 2
	ip netns exec "$ENF_NS_CLI" curl -sS -k --max-time 3 --http1.1 \
		--interface "$from" "$@" "https://$ENF_SRV_ADDR:$ENF_PORT$path"
}

# enf_curl2 FROM_ADDR PATH [curl args...]: the same over HTTP/2 (ALPN h2).
enf_curl2() {
	local from=$1 path=$2
	shift 2
	ip netns exec "$ENF_NS_CLI" curl -sS -k --max-time 3 --http2 \
		--interface "$from" "$@" "https://$ENF_SRV_ADDR:$ENF_PORT$path"
}

# enf_stat OBJECT.KEY: one counter of enforcerctl --json status, by path
# (names repeat across objects: requests.parsed, responses.parsed).
enf_stat() {
	enf_ctl --json status | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}

# enf_counter NAME: an xdp_stats counter from enforcerctl status --json.
enf_counter() {
	enf_ctl --json status |
		sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p" | head -n1
}

# enf_wait_for SECONDS CMD...: retries CMD until it succeeds.
enf_wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ((SECONDS < deadline)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1
}

enf_is_blocked() {
	enf_ctl block list | grep -q "^src  *$1 "
}
