# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Real TLS peers across network namespaces, for the capture tests.
# Source this file (bash), then:
#
#   PEERS_BIN=BUILD/tests/peers     # where the peer programs were built
#                                   # (cmake --build BUILD --target peers)
#   peers_need_root                 # exit 77 with a reason unless root
#   peers_setup                     # namespaces, veth, v4 and v6, a tmp dir,
#                                   # an EXIT trap (see peers_cleanup)
#   peers_certs "$PEERS_TMP/certs"  # CA, server certificate, NSS database
#   pid=$(peer_server wolfssl)      # the pid that makes the TLS calls
#   peer_client wolfssl req.http >resp.http  # the raw response on stdout
#
# Functions: peers_need_root, peers_setup, peers_cleanup, peers_certs DIR,
# peers_have LIB [server|client], peer_server LIB [PORT [ADDR]],
# peer_client LIB REQFILE [ADDR [PORT]], peer_body RESPFILE,
# peer_static_table_line [FILE], peers_alive PID.
#
# Names and addresses (unique per run; all may be set before peers_setup):
#   PEERS_ID        run id, default $$ (namespaces peers-ID-srv/-cli,
#                   veth pvIDs/pvIDc, so at most 12 characters)
#   PEERS_NS_SRV, PEERS_NS_CLI, PEERS_IF_SRV, PEERS_IF_CLI
#   PEERS_SRV4, PEERS_CLI4  100.64.0.0/10 addresses, /24, derived from the id
#   PEERS_SRV6, PEERS_CLI6  fd00:e7f::/32 ULA addresses, /64, nodad
#   PEERS_PORT      default server port (8443); one server per port
#   PEERS_NAME      the DNS name in the server certificate (which also holds
#                   the server addresses, 127.0.0.1 and ::1)
#   PEERS_TMP       a private directory removed at cleanup; a server's output
#                   (its "listening ..." and "request ..." lines and errors)
#                   is in $PEERS_TMP/server-PORT.log
#   PEERS_TIMEOUT   seconds a client may take (30), then it is killed (124)
#   PEERS_CLIENT_PIDFILE  if set, peer_client writes the client's pid there
#                   as soon as it starts (the pid that makes the TLS calls)
#   PEER_ARGS       extra options for the peer programs and peer.py, e.g.
#                   clients: --repeat N (N requests, one connection),
#                   --chunk N (write calls of at most N bytes); servers:
#                   --read-delay MS (pause before reading each request head),
#                   --max-conns N; both: --nonblock
#   PEERS_LIBS      the LIB names below
#
# Requests: REQFILE holds one exact HTTP/1.1 request (head and body); every
# client sends exactly those bytes (curl rebuilds the request from the file:
# the same bytes when Host is the first header and the file has curl's
# User-Agent and Accept headers or none it would add; it never adds its own).
# The servers of the peer programs (ossl*, static*, wolfssl, gnutls-peer,
# nss-peer*, python) answer each request with 200 and
#   X-Peer-Summary: peer=LIB method=M target=T request_bytes=N
#                   request_cksum=C body_bytes=N body_cksum=C
# (lengths and POSIX `cksum` CRCs of the whole request and of its body), in a
# header and as the body; a target starting with /echo gets the request body
# echoed as the response body instead (a large response). Keep-alive until
# the client closes; Content-Length bodies only. nginx (openssl) answers
# "peer=nginx method=M target=T\n" then the request body, chunked.
# peer_body RESPFILE prints a response's body, de-chunked.
#
# Which calls carry the request, then the response, at each end (seen with
# uprobes on every exported read and write function of each library):
#
# LIB             server (peer_server)          client (peer_client)
# openssl         nginx in one process (master_ openssl s_client -quiet
#                 process off) + echo module,   -nocommands, the request on
#                 libssl.so.3: SSL_read /       stdin; libssl.so.3: SSL_write
#                 SSL_write                     / SSL_read
# curl            -                             curl --http1.1 (libcurl,
#                                               libssl.so.3): SSL_write /
#                                               SSL_read. curl also maps
#                                               libgnutls.so.30 (a dependency
#                                               of its dependencies), unused
# ossl            ossl_peer (libssl.so.3): SSL_read / SSL_write
# ossl-ex         ossl_peer --ex: SSL_read_ex / SSL_write_ex
# ossl-nonblock   ossl_peer --nonblock: SSL_read / SSL_write on a
#                 non-blocking socket (retried with the same arguments after
#                 poll on want-read/want-write)
# static          static_peer: OpenSSL from libssl.a inside the executable,
#                 .symtab kept, a build-id: SSL_read / SSL_write
# static-stripped static_peer.stripped: the same without .symtab (same
#                 build-id, same layout: static_peer's symbol offsets apply;
#                 see peer_static_table_line)
# wolfssl         wolfssl_peer (libwolfssl.so.35): wolfSSL_read / wolfSSL_write
# gnutls          gnutls-serv --http:           gnutls-cli, the request on
#                 gnutls_record_recv /          stdin: gnutls_record_send /
#                 gnutls_record_send; answers   gnutls_record_recv
#                 GET only (a POST gets an
#                 HTML 501 page without a status line), HTTP/1.0, closes
# gnutls-peer     gnutls_peer (libgnutls.so.30): gnutls_record_recv /
#                 gnutls_record_send (one call per 16 KiB record written)
# nss             selfserv (libssl3.so and      tstclnt -A REQFILE: PR_Send
#                 libnspr4.so): PR_Read (the    (request, 4000 bytes a call)
#                 request) / PR_Writev (the     / PR_Recv (response) on the
#                 response: header, the request SSL socket; PR_Read of
#                 echoed, trailer; no PR_Write) REQFILE and PR_Write to
#                 on the SSL socket; reads a    stdout on plain fds (not to
#                 few KiB (no 1 MiB POST),      be captured)
#                 HTTP/1.0, closes
# nss-peer        nss_peer: PR_Read / PR_Write on the SSL socket
# nss-peer-ex     nss_peer --ex: PR_Recv / PR_Send
# python          peer.py (CPython 3 ssl, libssl.so.3): SSL_read_ex /
#                 SSL_write_ex
#
# Notes for capture tests:
# - GnuTLS: gnutls_record_send calls gnutls_record_send2, an exported
#   function too: a probe on both sees each write twice.
# - The peer programs make one write call for a response head and one for
#   its body (GnuTLS: one per record), a client one call for the whole
#   request (unless --chunk); reads ask for at most 64 KiB a call.
# - A write that stalls: an ossl-nonblock client sending 1 MiB to a server
#   started with PEER_ARGS="--read-delay 1500" calls SSL_write with the same
#   buffer and length until it is taken (measured: -1 three times, then the
#   full length); --nonblock does the same for wolfssl, gnutls-peer and
#   nss-peer clients.
# - Each server is the process that makes the calls (no worker children)
#   and serves one connection at a time. The stock clients are ended once
#   their response is complete: s_client and gnutls-cli by closing their
#   stdin (they send close_notify), tstclnt (it waits for the server to
#   close) by SIGTERM.

PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS_BIN=${PEERS_BIN:-}
PEERS_ID=${PEERS_ID:-$$}
PEERS_PORT=${PEERS_PORT:-8443}
PEERS_NAME=${PEERS_NAME:-peers.enforcer.test}
PEERS_TIMEOUT=${PEERS_TIMEOUT:-30}
PEERS_TMP=${PEERS_TMP:-}
PEERS_CERTS=${PEERS_CERTS:-}
PEER_ARGS=${PEER_ARGS:-}
# shellcheck disable=SC2034 # the LIB names, for callers
PEERS_LIBS="openssl curl ossl ossl-ex ossl-nonblock static static-stripped
wolfssl gnutls gnutls-peer nss nss-peer nss-peer-ex python"
_peers_cleaned=0
_peers_sleep_fd=

peers_die() {
	echo "FATAL: $*" >&2
	exit 1
}

peers_need_root() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "SKIP: needs root (network namespaces)" >&2
		exit 77
	fi
}

# _peers_nap SECONDS: a sleep without a process (read times out on a pipe
# nobody writes).
_peers_nap() {
	if [[ -z $_peers_sleep_fd ]]; then
		exec {_peers_sleep_fd}<> <(:)
	fi
	read -r -t "$1" -u "$_peers_sleep_fd" _ || true
}

# peers_alive PID: PID runs (a zombie does not count: servers started by
# peer_server are not children of the caller's shell, so whoever reaps them
# may take a while).
peers_alive() {
	local st
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

# Namespaces of runs that were killed (SIGKILL skips their trap) carry the
# pid of their dead owner: remove them.
_peers_sweep_stale() {
	local name owner
	for name in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		[[ $name =~ ^peers-([0-9]+)-(srv|cli)$ ]] || continue
		owner=${BASH_REMATCH[1]}
		kill -0 "$owner" 2>/dev/null && continue
		ip netns pids "$name" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$name" 2>/dev/null
	done
}

# peers_setup: two namespaces joined by a veth pair, IPv4 and IPv6, and a
# private directory. Sets an EXIT trap calling peers_cleanup unless one is
# set already (then call peers_cleanup from yours).
peers_setup() {
	local n hi lo
	[[ ${#PEERS_ID} -le 12 && $PEERS_ID =~ ^[A-Za-z0-9]+$ ]] ||
		peers_die "PEERS_ID must be 1-12 letters or digits"
	for tool in ip ss openssl; do
		command -v "$tool" >/dev/null || peers_die "$tool not installed"
	done
	_peers_sweep_stale
	n=$(($(cksum <<<"$PEERS_ID" | cut -d' ' -f1) % 16384))
	[[ $PEERS_ID =~ ^[0-9]+$ ]] && n=$((PEERS_ID % 16384))
	hi=$((64 + n / 256))
	lo=$((n % 256))
	PEERS_NS_SRV=${PEERS_NS_SRV:-peers-$PEERS_ID-srv}
	PEERS_NS_CLI=${PEERS_NS_CLI:-peers-$PEERS_ID-cli}
	PEERS_IF_SRV=${PEERS_IF_SRV:-pv${PEERS_ID}s}
	PEERS_IF_CLI=${PEERS_IF_CLI:-pv${PEERS_ID}c}
	PEERS_SRV4=${PEERS_SRV4:-100.$hi.$lo.1}
	PEERS_CLI4=${PEERS_CLI4:-100.$hi.$lo.2}
	PEERS_SRV6=${PEERS_SRV6:-fd00:e7f:0:$(printf %x "$n")::1}
	PEERS_CLI6=${PEERS_CLI6:-fd00:e7f:0:$(printf %x "$n")::2}
	[[ -n $(trap -p EXIT) ]] || trap peers_cleanup EXIT
	trap 'exit 130' INT TERM

	PEERS_TMP=$(mktemp -d "/tmp/peers-$PEERS_ID.XXXXXX") ||
		peers_die "mktemp"
	chmod 755 "$PEERS_TMP"
	: >"$PEERS_TMP/pids"
	ip netns add "$PEERS_NS_SRV" || peers_die "ip netns add $PEERS_NS_SRV"
	ip netns add "$PEERS_NS_CLI" || peers_die "ip netns add $PEERS_NS_CLI"
	ip link add "$PEERS_IF_SRV" netns "$PEERS_NS_SRV" type veth \
		peer name "$PEERS_IF_CLI" netns "$PEERS_NS_CLI" ||
		peers_die "veth $PEERS_IF_SRV"
	if ! {
		ip -n "$PEERS_NS_SRV" addr add "$PEERS_SRV4/24" dev "$PEERS_IF_SRV" &&
			ip -n "$PEERS_NS_CLI" addr add "$PEERS_CLI4/24" \
				dev "$PEERS_IF_CLI" &&
			ip -n "$PEERS_NS_SRV" addr add "$PEERS_SRV6/64" \
				dev "$PEERS_IF_SRV" nodad &&
			ip -n "$PEERS_NS_CLI" addr add "$PEERS_CLI6/64" \
				dev "$PEERS_IF_CLI" nodad
	}; then
		peers_die "addresses"
	fi
	for ns in "$PEERS_NS_SRV" "$PEERS_NS_CLI"; do
		ip -n "$ns" link set lo up || peers_die "lo up in $ns"
	done
	ip -n "$PEERS_NS_SRV" link set "$PEERS_IF_SRV" up ||
		peers_die "veth up"
	ip -n "$PEERS_NS_CLI" link set "$PEERS_IF_CLI" up ||
		peers_die "veth up"
}

# peers_cleanup: stops every server and client started here, removes the
# namespaces and the directory. Safe to call twice; keeps the exit status.
peers_cleanup() {
	local rc=$? pid
	[[ $_peers_cleaned -eq 1 ]] && return $rc
	_peers_cleaned=1
	if [[ -n $PEERS_TMP && -f $PEERS_TMP/pids ]]; then
		while read -r pid; do
			kill -TERM "$pid" 2>/dev/null
		done <"$PEERS_TMP/pids"
		for _ in $(seq 20); do
			local alive=0
			while read -r pid; do
				peers_alive "$pid" && alive=1
			done <"$PEERS_TMP/pids"
			[[ $alive -eq 0 ]] && break
			_peers_nap 0.1
		done
	fi
	for ns in "${PEERS_NS_SRV:-}" "${PEERS_NS_CLI:-}"; do
		[[ -n $ns ]] || continue
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[[ -n $PEERS_TMP && -d $PEERS_TMP ]] && rm -rf "$PEERS_TMP"
	return $rc
}

# peers_certs DIR: a CA (ca.pem), a server certificate for PEERS_NAME and
# the server addresses, v4 and v6 (server.pem, server.key: P-256), and an
# NSS database DIR/nssdb (sql:) holding the server certificate and key
# (nickname "server") and the CA as trusted, for selfserv, tstclnt and
# nss_peer. Sets PEERS_CERTS=DIR.
peers_certs() {
	local d=$1 san
	mkdir -p "$d" || peers_die "mkdir $d"
	san="DNS:$PEERS_NAME,IP:127.0.0.1,IP:::1"
	[[ -n ${PEERS_SRV4:-} ]] && san+=",IP:$PEERS_SRV4"
	[[ -n ${PEERS_SRV6:-} ]] && san+=",IP:$PEERS_SRV6"
	{
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -subj "/CN=enforcer peers test CA" -days 2 \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout "$d/ca.key" -out "$d/ca.pem" &&
			openssl req -newkey ec \
				-pkeyopt ec_paramgen_curve:P-256 -nodes \
				-subj "/CN=$PEERS_NAME" -keyout "$d/server.key" \
				-out "$d/server.csr" &&
			printf '%s\n' "subjectAltName=$san" \
				"basicConstraints=CA:FALSE" \
				"keyUsage=critical,digitalSignature" \
				"extendedKeyUsage=serverAuth" >"$d/server.ext" &&
			openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" \
				-CAkey "$d/ca.key" -CAcreateserial -days 2 \
				-extfile "$d/server.ext" -out "$d/server.pem"
	} >"$d/openssl.log" 2>&1 || {
		cat "$d/openssl.log" >&2
		peers_die "openssl: certificates"
	}
	chmod 644 "$d/server.key"
	if command -v certutil >/dev/null && command -v pk12util >/dev/null; then
		mkdir -p "$d/nssdb"
		{
			certutil -N -d "sql:$d/nssdb" --empty-password &&
				openssl pkcs12 -export -in "$d/server.pem" \
					-inkey "$d/server.key" -name server \
					-passout pass: -out "$d/server.p12" &&
				pk12util -i "$d/server.p12" -d "sql:$d/nssdb" \
					-W '' &&
				certutil -A -d "sql:$d/nssdb" -n peers-ca \
					-t C,, -i "$d/ca.pem"
		} >"$d/nss.log" 2>&1 || {
			cat "$d/nss.log" >&2
			peers_die "certutil/pk12util: NSS database"
		}
	fi
	PEERS_CERTS=$d
}

# The program for a peer-program LIB, and its options.
_peers_prog() {
	case $1 in
	ossl | ossl-ex | ossl-nonblock) echo "$PEERS_BIN/ossl_peer" ;;
	static) echo "$PEERS_BIN/static_peer" ;;
	static-stripped) echo "$PEERS_BIN/static_peer.stripped" ;;
	wolfssl) echo "$PEERS_BIN/wolfssl_peer" ;;
	gnutls-peer) echo "$PEERS_BIN/gnutls_peer" ;;
	nss-peer | nss-peer-ex) echo "$PEERS_BIN/nss_peer" ;;
	esac
}
_peers_prog_opts() {
	case $1 in
	ossl-ex | nss-peer-ex) echo --ex ;;
	ossl-nonblock) echo --nonblock ;;
	esac
}

_peers_python() {
	if [[ -x /usr/bin/python3 ]]; then
		echo /usr/bin/python3
	else
		command -v python3
	fi
}

# peers_have LIB [server|client]: whether LIB can run here; says why not.
peers_have() {
	local lib=$1 side=${2:-}
	local -a need=()
	case $lib in
	openssl)
		need=(openssl)
		[[ $side != client ]] && need+=(nginx)
		;;
	curl)
		[[ $side == server ]] && {
			echo "curl has no server" >&2
			return 1
		}
		need=(curl)
		;;
	gnutls)
		[[ $side == server ]] && need=(gnutls-serv)
		[[ $side == client ]] && need=(gnutls-cli)
		[[ -z $side ]] && need=(gnutls-serv gnutls-cli)
		;;
	nss)
		[[ $side == server ]] && need=(selfserv certutil)
		[[ $side == client ]] && need=(tstclnt certutil)
		[[ -z $side ]] && need=(selfserv tstclnt certutil)
		;;
	python)
		if [[ -z $(_peers_python) ]] ||
			! "$(_peers_python)" -c 'import ssl' 2>/dev/null; then
			echo "python3 with the ssl module not installed" >&2
			return 1
		fi
		;;
	*)
		local prog
		prog=$(_peers_prog "$lib")
		[[ -n $prog ]] || {
			echo "unknown peer $lib" >&2
			return 1
		}
		[[ -x $prog ]] || {
			echo "$prog not built (PEERS_BIN=$PEERS_BIN)" >&2
			return 1
		}
		[[ $lib == nss-peer* ]] && need=(certutil)
		;;
	esac
	for tool in "${need[@]}"; do
		command -v "$tool" >/dev/null || {
			echo "$tool not installed" >&2
			return 1
		}
	done
	if [[ $lib == openssl && $side != client ]] &&
		[[ ! -f /usr/lib/nginx/modules/ngx_http_echo_module.so ]]; then
		echo "nginx echo module not installed (libnginx-mod-http-echo)" >&2
		return 1
	fi
	return 0
}

# nginx in one process (the one making the TLS calls), answering every
# request with a line and the request body (the echo module).
_peers_nginx_conf() {
	local port=$1 addr=$2 d=$3 listen
	if [[ $addr == *:* ]]; then
		listen="[$addr]:$port ssl"
		[[ $addr == :: ]] && listen+=" ipv6only=off"
	else
		listen="$addr:$port ssl"
	fi
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
master_process off;
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	fastcgi_temp_path $d/fastcgi;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
	client_max_body_size 64m;
	client_body_buffer_size 64m;
	client_body_in_single_buffer on;
	keepalive_requests 100000;
	server {
		listen $listen;
		ssl_certificate $PEERS_CERTS/server.pem;
		ssl_certificate_key $PEERS_CERTS/server.key;
		location / {
			default_type text/plain;
			echo_read_request_body;
			echo "peer=nginx method=\$request_method target=\$request_uri";
			echo_request_body;
		}
	}
}
EOF
}

# peer_server LIB [PORT [ADDR]]: starts LIB's server in the server
# namespace on PORT (PEERS_PORT), ADDR (:: serving v4 and v6), waits until
# it listens and prints its pid. Output: $PEERS_TMP/server-PORT.log.
peer_server() {
	local lib=$1 port=${2:-$PEERS_PORT} addr=${3:-::} log pid prog opt
	local -a cmd
	[[ -n $PEERS_TMP && -n $PEERS_CERTS ]] ||
		peers_die "peer_server: call peers_setup and peers_certs first"
	peers_have "$lib" server || return 1
	log=$PEERS_TMP/server-$port.log
	opt=$(_peers_prog_opts "$lib")
	case $lib in
	openssl)
		_peers_nginx_conf "$port" "$addr" "$PEERS_TMP/nginx-$port"
		cmd=(nginx -c "$PEERS_TMP/nginx-$port/nginx.conf"
			-p "$PEERS_TMP/nginx-$port"
			-e "$PEERS_TMP/nginx-$port/error.log")
		;;
	gnutls)
		cmd=(gnutls-serv --http -p "$port"
			--x509certfile "$PEERS_CERTS/server.pem"
			--x509keyfile "$PEERS_CERTS/server.key")
		;;
	nss)
		cmd=(selfserv -n server -p "$port" -d "sql:$PEERS_CERTS/nssdb")
		;;
	python)
		# shellcheck disable=SC2206
		cmd=("$(_peers_python)" "$PEERS_DIR/peer.py" server $PEER_ARGS
			"$addr" "$port" "$PEERS_CERTS/server.pem"
			"$PEERS_CERTS/server.key")
		;;
	nss-peer | nss-peer-ex)
		# shellcheck disable=SC2206
		cmd=("$(_peers_prog "$lib")" server ${opt:+"$opt"}
			$PEER_ARGS "$addr" "$port" "sql:$PEERS_CERTS/nssdb"
			server)
		;;
	*)
		prog=$(_peers_prog "$lib")
		# shellcheck disable=SC2206
		cmd=("$prog" server ${opt:+"$opt"} $PEER_ARGS
			"$addr" "$port" "$PEERS_CERTS/server.pem"
			"$PEERS_CERTS/server.key")
		;;
	esac
	# ip netns exec execs the server: $! is the server itself.
	ip netns exec "$PEERS_NS_SRV" "${cmd[@]}" </dev/null >"$log" 2>&1 &
	pid=$!
	echo "$pid" >>"$PEERS_TMP/pids"
	for _ in $(seq 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "peer_server $lib: exited at start" >&2
			cat "$log" >&2
			return 1
		fi
		if ip netns exec "$PEERS_NS_SRV" ss -Hltn "sport = :$port" |
			grep -q LISTEN; then
			echo "$pid"
			return 0
		fi
		_peers_nap 0.05
	done
	echo "peer_server $lib: not listening on $port after 5 s" >&2
	cat "$log" >&2
	return 1
}

# _peers_response_complete FILE: FILE holds one complete HTTP response
# (Content-Length satisfied, or a chunked body's last chunk).
_peers_response_complete() {
	local f=$1 line hl cl size head
	[[ -s $f ]] || return 1
	line=$(head -c 65536 "$f" | LC_ALL=C sed -n '/^\r$/{=;q}')
	[[ -n $line ]] || return 1
	head=$(head -n "$line" "$f")
	hl=$(head -n "$line" "$f" | wc -c)
	size=$(stat -c %s "$f")
	if LC_ALL=C grep -qi '^transfer-encoding: *chunked' <<<"$head"; then
		[[ $(tail -c 5 "$f" | od -An -tx1 | tr -d ' \n') == 300d0a0d0a ]]
		return
	fi
	cl=$(LC_ALL=C grep -i '^content-length:' <<<"$head" | tr -dc 0-9)
	[[ -n $cl ]] && ((size >= hl + cl))
}

# _peers_run_client OUT ERR HOW -- CMD...: runs CMD in the client namespace
# with a time limit; HOW is "plain" (CMD ends by itself), "stdin:REQ" (REQ on
# its stdin, closed when the response is complete) or "kill" (SIGTERM when
# the response is complete). Returns CMD's status, 124 on timeout.
_peers_run_client() {
	local out=$1 err=$2 how=$3 pid feeder='' wfd='' fifo='' rc deadline
	local ended=0
	shift 4
	if [[ $how == stdin:* ]]; then
		# The client reads a fifo we hold open (read-write, so that
		# opening never blocks); closing our end is its end of input.
		fifo=$(mktemp -u "$PEERS_TMP/stdin.XXXXXX")
		mkfifo "$fifo" || return 1
		exec {wfd}<>"$fifo"
		ip netns exec "$PEERS_NS_CLI" "$@" <"$fifo" >"$out" 2>"$err" \
			{wfd}>&- &
		pid=$!
		cat "${how#stdin:}" >&"$wfd" &
		feeder=$!
	else
		ip netns exec "$PEERS_NS_CLI" "$@" </dev/null >"$out" 2>"$err" &
		pid=$!
	fi
	[[ -n ${PEERS_CLIENT_PIDFILE:-} ]] && echo "$pid" >"$PEERS_CLIENT_PIDFILE"
	deadline=$((SECONDS + PEERS_TIMEOUT))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			rc=124
			ended=2
			break
		fi
		if [[ $how != plain && $ended -eq 0 ]] &&
			_peers_response_complete "$out"; then
			ended=1
			if [[ $how == kill ]]; then
				kill -TERM "$pid" 2>/dev/null
			else
				exec {wfd}>&-
				wfd=
			fi
		fi
		_peers_nap 0.02
	done
	[[ $ended -eq 2 ]] || {
		wait "$pid"
		rc=$?
	}
	[[ -n $wfd ]] && exec {wfd}>&-
	if [[ -n $feeder ]]; then
		kill "$feeder" 2>/dev/null
		wait "$feeder" 2>/dev/null
	fi
	[[ -n $fifo ]] && rm -f "$fifo"
	# ended by us once the response was complete: that is success
	[[ $ended -eq 1 && $how == kill ]] && rc=0
	return "$rc"
}

# _peers_curl_args REQFILE: curl options that send REQFILE's method,
# target, headers and body, and no header of curl's own.
_peers_curl_args() {
	local req=$1 line hl reqline method target h name
	local -a hdrs
	line=$(head -c 65536 "$req" | LC_ALL=C sed -n '/^\r$/{=;q}')
	[[ -n $line ]] || return 1
	hl=$(head -n "$line" "$req" | wc -c)
	reqline=$(head -n 1 "$req" | tr -d '\r')
	method=${reqline%% *}
	target=${reqline#* }
	target=${target%% *}
	mapfile -t hdrs < <(sed -n "2,$((line - 1))p" "$req" | tr -d '\r')
	tail -c +$((hl + 1)) "$req" >"$PEERS_TMP/curl-body"
	printf '%s\n' "-X" "$method" "--path-as-is"
	for name in Accept User-Agent Content-Type Expect; do
		if ! printf '%s\n' "${hdrs[@]}" | grep -qi "^$name:"; then
			printf '%s\n' "-H" "$name:"
		fi
	done
	for h in "${hdrs[@]}"; do
		printf '%s\n' "-H" "$h"
	done
	[[ -s $PEERS_TMP/curl-body ]] &&
		printf '%s\n' "--data-binary" "@$PEERS_TMP/curl-body"
	printf '%s\n' "TARGET=$target"
}

# peer_client LIB REQFILE [ADDR [PORT]]: sends REQFILE from the client
# namespace to ADDR (PEERS_SRV4) PORT (PEERS_PORT) and prints the raw
# response (head and body) on stdout. Fails with the client's status (124
# after PEERS_TIMEOUT); the client's stderr goes to stderr on failure.
peer_client() {
	local lib=$1 req=$2 addr=${3:-$PEERS_SRV4} port=${4:-$PEERS_PORT}
	local out err how=plain rc url host target opt
	local -a cmd args
	[[ -n $PEERS_TMP && -n $PEERS_CERTS ]] ||
		peers_die "peer_client: call peers_setup and peers_certs first"
	[[ -f $req ]] || peers_die "peer_client: no request file $req"
	peers_have "$lib" client || return 1
	out=$(mktemp "$PEERS_TMP/client-out.XXXXXX")
	err=$(mktemp "$PEERS_TMP/client-err.XXXXXX")
	host=$addr
	[[ $addr == *:* ]] && host="[$addr]"
	opt=$(_peers_prog_opts "$lib")
	case $lib in
	openssl)
		how=stdin:$req
		cmd=(openssl s_client -quiet -no_ign_eof -nocommands -connect "$host:$port"
			-CAfile "$PEERS_CERTS/ca.pem" -verify_return_error
			-verify_ip "$addr")
		;;
	curl)
		mapfile -t args < <(_peers_curl_args "$req")
		[[ ${#args[@]} -gt 0 ]] ||
			peers_die "peer_client curl: no request head in $req"
		target=${args[-1]#TARGET=}
		unset 'args[-1]'
		url="https://$host:$port$target"
		cmd=(curl -sS -i --raw --http1.1 --max-time "$PEERS_TIMEOUT"
			--cacert "$PEERS_CERTS/ca.pem" "${args[@]}" "$url")
		;;
	gnutls)
		how=stdin:$req
		cmd=(gnutls-cli --logfile=/dev/null
			--x509cafile "$PEERS_CERTS/ca.pem" -p "$port" "$addr")
		;;
	nss)
		how="kill"
		cmd=(tstclnt -h "$addr" -p "$port" -d "sql:$PEERS_CERTS/nssdb"
			-A "$req")
		;;
	python)
		# shellcheck disable=SC2206
		cmd=("$(_peers_python)" "$PEERS_DIR/peer.py" client
			--ca "$PEERS_CERTS/ca.pem" $PEER_ARGS "$addr" "$port"
			"$req")
		;;
	nss-peer | nss-peer-ex)
		# shellcheck disable=SC2206
		cmd=("$(_peers_prog "$lib")" client ${opt:+"$opt"}
			--ca "sql:$PEERS_CERTS/nssdb" $PEER_ARGS "$addr" "$port"
			"$req")
		;;
	*)
		# shellcheck disable=SC2206
		cmd=("$(_peers_prog "$lib")" client ${opt:+"$opt"}
			--ca "$PEERS_CERTS/ca.pem" $PEER_ARGS "$addr" "$port"
			"$req")
		;;
	esac
	_peers_run_client "$out" "$err" "$how" -- "${cmd[@]}"
	rc=$?
	cat "$out"
	if [[ $rc -ne 0 ]]; then
		echo "peer_client $lib: exit $rc" >&2
		cat "$err" >&2
	fi
	rm -f "$out" "$err"
	return $rc
}

# peer_static_table_line [FILE]: static_peer's build-id and the file offsets
# (what uprobes take) of its OpenSSL functions, from its .symtab, as one
# line of a build-id offset table:
#   <build-id> openssl SSL_read=0x.. SSL_write=0x.. SSL_read_ex=0x.. SSL_write_ex=0x..
# static_peer.stripped has the same build-id and layout, so the line is
# what finds the functions in it.
peer_static_table_line() {
	local f=${1:-$PEERS_BIN/static_peer} id fn out
	id=$(readelf -n "$f" | sed -n 's/.*Build ID: *//p')
	[[ -n $id ]] || return 1
	out="$id openssl"
	for fn in SSL_read SSL_write SSL_read_ex SSL_write_ex; do
		out+=" $fn=$(nm "$f" | awk -v fn="$fn" '$3 == fn { print $1 }' |
			_peers_vaddr_to_offset "$f")" || return 1
	done
	echo "$out"
}

# _peers_vaddr_to_offset FILE: a hex address on stdin to 0x<file offset>,
# through FILE's PT_LOAD headers.
_peers_vaddr_to_offset() {
	local a type off va msz
	read -r a || return 1
	a=$((16#$a))
	while read -r type off va _ _ msz _; do
		[[ $type == LOAD ]] || continue
		if ((a >= va && a < va + msz)); then
			printf '0x%x\n' $((a - va + off))
			return 0
		fi
	done < <(readelf -lW "$1")
	return 1
}

# peer_body FILE: the body of the raw response in FILE, decoded when
# chunked.
peer_body() {
	"$(_peers_python)" - "$1" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
hl = data.index(b"\r\n\r\n") + 4
head, body = data[:hl].lower(), data[hl:]
if b"\r\ntransfer-encoding: chunked" in head:
    out, i = bytearray(), 0
    while True:
        eol = body.index(b"\r\n", i)
        size = int(body[i:eol].split(b";")[0], 16)
        if size == 0:
            break
        out += body[eol + 2:eol + 2 + size]
        i = eol + 2 + size + 2
    body = bytes(out)
sys.stdout.buffer.write(body)
EOF
}
