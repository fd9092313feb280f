#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Driver of test_tls_capture: two network namespaces joined by a veth pair,
# nginx in one (in a cgroup of its own when possible), the
# test program in the host namespace entering the other for its clients.
# Everything is bounded in time and torn down on exit, whatever happens.
#
# usage: tls_capture.sh PATH/TO/test_tls_capture
set -euo pipefail

test_bin=${1:?usage: tls_capture.sh PATH/TO/test_tls_capture}

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: needs root (network namespaces, BPF uprobes)"
	exit 77
fi
for tool in ip openssl curl nginx ss timeout pgrep; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done

# Namespaces and cgroups left by a run that was killed (SIGKILL skips the
# trap) carry the pid of their dead owner: remove them.
sweep_stale() {
	local name owner cg2
	for name in $(ip netns list | awk '{ print $1 }'); do
		[[ $name =~ ^enf-tls-([0-9]+)-[sc]$ ]] || continue
		owner=${BASH_REMATCH[1]}
		kill -0 "$owner" 2>/dev/null && continue
		ip netns pids "$name" | xargs -r kill -9 2>/dev/null || true
		ip netns del "$name" 2>/dev/null || true
	done
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	for name in "$cg2"/enf-tls-*; do
		[[ -d $name && $name =~ /enf-tls-([0-9]+)$ ]] || continue
		kill -0 "${BASH_REMATCH[1]}" 2>/dev/null && continue
		rmdir "$name" 2>/dev/null || true
	done
}
sweep_stale

tag="enf-tls-$$"
ns_srv="$tag-s"
ns_cli="$tag-c"
port=8443
tmp=$(mktemp -d "/tmp/$tag.XXXXXX")
cg=""
srv_pid=""

cleanup() {
	local rc=$?
	set +e
	if [[ -n $srv_pid ]]; then
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
	fi
	ip netns pids "$ns_srv" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns pids "$ns_cli" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$ns_srv" 2>/dev/null
	ip netns del "$ns_cli" 2>/dev/null
	[[ -n $cg ]] && rmdir "$cg" 2>/dev/null
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns_srv"
ip netns add "$ns_cli"
ip link add name veth0 netns "$ns_srv" type veth peer name veth1 netns "$ns_cli"
ip -n "$ns_srv" addr add 192.0.2.1/24 dev veth0
ip -n "$ns_srv" addr add 2001:db8::1/64 dev veth0 nodad
ip -n "$ns_cli" addr add 192.0.2.2/24 dev veth1
ip -n "$ns_cli" addr add 2001:db8::2/64 dev veth1 nodad
for ns in "$ns_srv" "$ns_cli"; do
	ip -n "$ns" link set lo up
done
ip -n "$ns_srv" link set veth0 up
ip -n "$ns_cli" link set veth1 up

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
	-subj /CN=enforcer-test 2>/dev/null
# nginx, one process as root (no master, no worker user), reads with
# SSL_read. (openssl s_server -WWW/-www/-rev go through the SSL BIO, which
# in OpenSSL 3.0 calls libssl's internal ssl_read_internal and never the
# exported SSL_read*, so uprobes cannot see them.)
mkdir "$tmp/body"
cat >"$tmp/nginx.conf" <<EOC
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/body;
	server {
		listen 192.0.2.1:$port ssl;
		listen [2001:db8::1]:$port ssl;
		ssl_certificate $tmp/cert.pem;
		ssl_certificate_key $tmp/key.pem;
		location / { return 200 "hello from nginx\n"; }
	}
}
EOC

# A cgroup v2 directory of its own for the server, so the test can tell its
# cgroup id from the client's.
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
own_cgroup=0
if [[ -n $cg2 ]] && mkdir "$cg2/$tag" 2>/dev/null; then
	cg="$cg2/$tag"
fi

(
	if [[ -n $cg ]]; then
		echo "$BASHPID" >"$cg/cgroup.procs" 2>/dev/null || true
	fi
	exec ip netns exec "$ns_srv" timeout 170 nginx -e "$tmp/error.log" \
		-p "$tmp" -c "$tmp/nginx.conf"
) >"$tmp/server.log" 2>&1 &
srv_pid=$!

for _ in $(seq 50); do
	if ip netns exec "$ns_srv" ss -Hltn "sport = :$port" | grep -q .; then
		break
	fi
	sleep 0.1
done
if ! ip netns exec "$ns_srv" ss -Hltn "sport = :$port" | grep -q .; then
	echo "Bail out! nginx did not listen on $port"
	cat "$tmp/server.log" "$tmp/error.log"
	exit 1
fi
# the subshell and `ip netns exec` exec, `timeout` forks: nginx is its child
tls_pid=$(pgrep -P "$srv_pid" -x nginx || true)
if [[ -z $tls_pid ]]; then
	echo "Bail out! cannot find the nginx process"
	exit 1
fi
if [[ -n $cg ]] && grep -qx "$tls_pid" "$cg/cgroup.procs"; then
	own_cgroup=1
fi

rc=0
ENF_TLS_SERVER_PID=$tls_pid ENF_TLS_CLIENT_NS="/run/netns/$ns_cli" \
	ENF_TLS_PORT=$port ENF_TLS_SERVER_OWN_CGROUP=$own_cgroup \
	timeout 150 "$test_bin" || rc=$?
if [[ $rc -ne 0 ]]; then
	echo "# nginx log:"
	sed 's/^/# /' "$tmp/server.log" "$tmp/error.log"
fi
exit "$rc"
