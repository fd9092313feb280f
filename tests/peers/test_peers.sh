#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The peers' self-test: for every TLS library, its server and client across
# the veth pair, a GET and a 1 MiB POST, the reply proving the server got
# the exact bytes (lengths and cksum CRCs, or the body echoed); each client
# over IPv6 and reading a 1 MiB response; the pid each server prints is the
# listener; the stripped static peer keeps the build-id. No capture here:
# this proves the peers the capture tests rely on.
# Usage: test_peers.sh PEERS_BIN (the build's tests/peers directory)

# the checks' helpers are called through check and exchange
# shellcheck disable=SC2317
set -uo pipefail

PEERS_BIN=$(cd "${1:?usage: test_peers.sh PEERS_BIN}" && pwd) || exit 1
# shellcheck source=peers.sh
source "$(dirname "$0")/peers.sh"
peers_need_root

# shellcheck source=../check.sh
source "$(dirname "$0")/../check.sh"
skipped=()
skip() { # skip NAME REASON
	echo "skip - $1: $2"
	skipped+=("$1")
}

peers_setup
peers_certs "$PEERS_TMP/certs"
W=$PEERS_TMP/work
mkdir -p "$W"

# --- requests, and what a server must report for them ---
printf 'GET /selftest/get?q=%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: enforcer-peers\r\nAccept: */*\r\n\r\n' \
	"$PEERS_ID" "$PEERS_NAME" >"$W/get.req"
head -c 1048576 /dev/urandom >"$W/body.bin"
for t in post echo; do
	{
		printf 'POST /%s/selftest HTTP/1.1\r\nHost: %s\r\nUser-Agent: enforcer-peers\r\nAccept: */*\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\n' \
			"$t" "$PEERS_NAME"
		cat "$W/body.bin"
	} >"$W/$t.req"
done
ck() { cksum <"$1" | cut -d' ' -f1; }
sz() { stat -c %s "$1"; }
body_ck=$(ck "$W/body.bin")
empty_ck=$(ck /dev/null)

# summary_ok RESP REQ EXACT: the X-Peer-Summary of RESP reports REQ's body,
# and with EXACT=1 the whole request, byte for byte.
summary_ok() {
	local resp=$1 req=$2 exact=$3 s want_body_ck=$empty_ck want_body_len=0
	local hl
	s=$(head -c 4096 "$resp" | LC_ALL=C grep -a -m1 '^X-Peer-Summary:' |
		tr -d '\r')
	[[ -n $s ]] || {
		echo "  no X-Peer-Summary in the response" >&2
		return 1
	}
	if [[ $req != "$W/get.req" ]]; then
		want_body_ck=$body_ck
		want_body_len=1048576
	fi
	[[ $s == *" body_bytes=$want_body_len body_cksum=$want_body_ck"* ]] || {
		echo "  $s; want body_bytes=$want_body_len body_cksum=$want_body_ck" >&2
		return 1
	}
	if [[ $exact -eq 1 ]]; then
		[[ $s == *" request_bytes=$(sz "$req") request_cksum=$(ck "$req") "* ]] || {
			echo "  $s; want request_bytes=$(sz "$req") request_cksum=$(ck "$req")" >&2
			return 1
		}
	fi
	hl=$(head -c 200 "$req" | head -n1 | tr -d '\r')
	[[ $s == *" method=${hl%% *} target=$(cut -d' ' -f2 <<<"$hl") "* ]] || {
		echo "  $s; want method and target of: $hl" >&2
		return 1
	}
	# the answer comes from the server this part of the test started
	[[ $s == "X-Peer-Summary: peer=$srv_peer "* ]] || {
		echo "  $s; want peer=$srv_peer" >&2
		return 1
	}
}

# status_is RESP CODE
status_is() {
	[[ $(head -n1 "$1" | cut -d' ' -f2) == "$2" ]]
}

# echo_ok RESP: the body of RESP is the 1 MiB request body.
echo_ok() {
	peer_body "$1" >"$W/echoed" && cmp -s "$W/echoed" "$W/body.bin"
}

# nginx_ok RESP REQ: nginx answered its line and REQ's body.
nginx_ok() {
	local resp=$1 req=$2 hl line
	hl=$(head -n1 "$req" | tr -d '\r')
	line="peer=nginx method=${hl%% *} target=$(cut -d' ' -f2 <<<"$hl")"
	{
		echo "$line"
		[[ $req == "$W/get.req" ]] || cat "$W/body.bin"
	} >"$W/want"
	peer_body "$resp" >"$W/got" && cmp -s "$W/got" "$W/want"
}

# gnutls_get_ok RESP: gnutls-serv --http lists the request's headers.
gnutls_get_ok() {
	local h
	status_is "$1" 200 || return 1
	while IFS= read -r h; do
		h=${h%$'\r'}
		[[ -z $h ]] && continue
		LC_ALL=C grep -aqF "$h" "$1" || return 1
	done < <(tail -n +2 "$W/get.req")
}

# selfserv_get_ok RESP: selfserv echoes the request, byte for byte.
selfserv_get_ok() {
	status_is "$1" 200 || return 1
	peer_body "$1" | head -c "$(sz "$W/get.req")" | cmp -s - "$W/get.req"
}

# listener_is PORT PID: PID owns the socket listening on PORT.
listener_is() {
	ip netns exec "$PEERS_NS_SRV" ss -Hltnp "sport = :$1" |
		grep -q "pid=$2,"
}

# exchange NAME CLIENT REQ ADDR PORT VERIFY...: one request, checked.
exchange() {
	local name=$1 client=$2 req=$3 addr=$4 port=$5 resp
	shift 5
	resp=$W/resp.$((pass + fail))
	peer_client "$client" "$req" "$addr" "$port" >"$resp"
	check "$name: client exits 0" test $? -eq 0
	check "$name: reply proves the bytes" "$@" "$resp"
}

# exact_summary and body_summary adapt summary_ok to exchange's VERIFY.
get_exact() { status_is "$1" 200 && summary_ok "$1" "$W/get.req" 1; }
post_exact() { status_is "$1" 200 && summary_ok "$1" "$W/post.req" 1; }
echo_exact() { status_is "$1" 200 && summary_ok "$1" "$W/echo.req" 1 && echo_ok "$1"; }
nginx_get() { status_is "$1" 200 && nginx_ok "$1" "$W/get.req"; }
nginx_post() { status_is "$1" 200 && nginx_ok "$1" "$W/post.req"; }
# gnutls-serv's refusal is an HTML page without a status line.
is_501() { LC_ALL=C grep -aq '501 Method Not Implemented' "$1"; }

port=9000
# peer_name LIB: the name LIB's peer program reports (X-Peer).
peer_name() {
	case $1 in
	ossl*) echo ossl ;;
	static*) echo static ;;
	gnutls-peer) echo gnutls ;;
	nss-peer*) echo nss ;;
	*) echo "$1" ;;
	esac
}
srv_peer=

# start LIB: a server on the next port; sets srv_pid, srv_port, srv_peer.
start() {
	port=$((port + 1))
	srv_port=$port
	srv_peer=$(peer_name "$1")
	srv_pid=$(peer_server "$1" "$port")
	check "server $1 starts and listens" test -n "$srv_pid"
	[[ -n $srv_pid ]] || return 1
	check "server $1: the printed pid $srv_pid is the listener" \
		listener_is "$port" "$srv_pid"
}
not_alive() { ! peers_alive "$1"; }
stop() {
	kill -TERM "$srv_pid" 2>/dev/null
	for _ in $(seq 100); do
		peers_alive "$srv_pid" || break
		_peers_nap 0.05
	done
	check "server $1 stops on SIGTERM" not_alive "$srv_pid"
	# an ASan build reports leaks and errors at the server's exit
	check "server $1: no sanitizer report" \
		bash -c "! grep -q 'Sanitizer' '$PEERS_TMP/server-$srv_port.log'"
}

V4=$PEERS_SRV4
V6=$PEERS_SRV6

# --- the peer programs: same library at both ends, exact bytes ---
for lib in ossl ossl-ex ossl-nonblock static static-stripped wolfssl \
	gnutls-peer nss-peer nss-peer-ex python; do
	if ! why=$(peers_have "$lib" 2>&1); then
		skip "$lib" "$why"
		continue
	fi
	start "$lib" || continue
	exchange "$lib GET v4" "$lib" "$W/get.req" "$V4" "$srv_port" get_exact
	exchange "$lib POST 1 MiB v4" "$lib" "$W/post.req" "$V4" "$srv_port" \
		post_exact
	exchange "$lib GET v6" "$lib" "$W/get.req" "$V6" "$srv_port" get_exact
	exchange "$lib POST 1 MiB echoed (1 MiB read by the client) v6" \
		"$lib" "$W/echo.req" "$V6" "$srv_port" echo_exact
	resp=$W/repeat.$lib
	PEER_ARGS="--repeat 3 --chunk 1000" \
		peer_client "$lib" "$W/post.req" "$V4" "$srv_port" >"$resp"
	check "$lib: 3 requests on one connection, written in 1000-byte calls" \
		test "$(LC_ALL=C grep -ac "^X-Peer-Summary: .*body_cksum=$body_ck" "$resp")" -eq 3
	stop "$lib"
done

# --- OpenSSL's stock peers: nginx with s_client and curl ---
if why=$(peers_have openssl 2>&1) && start openssl; then
	exchange "nginx <- s_client GET" openssl "$W/get.req" "$V4" "$srv_port" nginx_get
	exchange "nginx <- s_client POST 1 MiB" openssl "$W/post.req" "$V4" "$srv_port" nginx_post
	exchange "nginx <- s_client GET v6" openssl "$W/get.req" "$V6" "$srv_port" nginx_get
	if why=$(peers_have curl client 2>&1); then
		exchange "nginx <- curl GET" curl "$W/get.req" "$V4" "$srv_port" nginx_get
		exchange "nginx <- curl POST 1 MiB" curl "$W/post.req" "$V6" "$srv_port" nginx_post
	else
		skip curl "$why"
	fi
	stop openssl
else
	skip openssl "$why"
fi

# --- GnuTLS's stock peers: gnutls-serv --http answers GET only ---
if why=$(peers_have gnutls 2>&1) && start gnutls; then
	exchange "gnutls-serv <- gnutls-cli GET" gnutls "$W/get.req" "$V4" "$srv_port" gnutls_get_ok
	exchange "gnutls-serv <- gnutls-cli GET v6" gnutls "$W/get.req" "$V6" "$srv_port" gnutls_get_ok
	exchange "gnutls-serv refuses a POST (501, its limit)" gnutls "$W/post.req" "$V4" "$srv_port" is_501
	stop gnutls
else
	skip gnutls "$why"
fi

# --- NSS's stock peers: selfserv echoes a GET, cannot take 1 MiB ---
if why=$(peers_have nss 2>&1) && start nss; then
	exchange "selfserv <- tstclnt GET" nss "$W/get.req" "$V4" "$srv_port" selfserv_get_ok
	exchange "selfserv <- tstclnt GET v6" nss "$W/get.req" "$V6" "$srv_port" selfserv_get_ok
	stop nss
else
	skip nss "$why"
fi

# --- every client's 1 MiB POST and GET against the same library's full
# server where the stock one cannot, and against ossl_peer (exact bytes) ---
if peers_have ossl server 2>/dev/null && start ossl; then
	ref=$srv_port
	for c in openssl curl gnutls nss python static-stripped wolfssl \
		gnutls-peer nss-peer; do
		peers_have "$c" client >/dev/null 2>&1 || continue
		if [[ $c == curl ]]; then
			# exact: the requests list Host first and curl's usual headers
			exchange "curl -> ossl_peer GET" curl "$W/get.req" "$V4" "$ref" get_exact
			exchange "curl -> ossl_peer POST 1 MiB" curl "$W/post.req" "$V6" "$ref" post_exact
		else
			exchange "$c -> ossl_peer POST 1 MiB" "$c" "$W/post.req" "$V4" "$ref" post_exact
		fi
	done
	stop ossl
fi
if peers_have gnutls client 2>/dev/null && peers_have gnutls-peer server 2>/dev/null &&
	start gnutls-peer; then
	exchange "gnutls-cli -> gnutls_peer POST 1 MiB" gnutls "$W/post.req" "$V4" "$srv_port" post_exact
	exchange "gnutls-cli -> gnutls_peer POST 1 MiB echoed" gnutls "$W/echo.req" "$V6" "$srv_port" echo_exact
	stop gnutls-peer
fi
if peers_have nss client 2>/dev/null && peers_have nss-peer server 2>/dev/null &&
	start nss-peer; then
	exchange "tstclnt -> nss_peer POST 1 MiB" nss "$W/post.req" "$V4" "$srv_port" post_exact
	exchange "tstclnt -> nss_peer POST 1 MiB echoed" nss "$W/echo.req" "$V6" "$srv_port" echo_exact
	stop nss-peer
fi

# --- non-blocking clients against a server that reads late: the 1 MiB
# write stalls (want-write) and is retried until the server drains it ---
for lib in ossl wolfssl gnutls-peer nss-peer; do
	peers_have "$lib" >/dev/null 2>&1 || continue
	port=$((port + 1))
	srv_port=$port
	srv_peer=$(peer_name "$lib")
	srv_pid=$(PEER_ARGS="--read-delay 700" peer_server "$lib" "$port")
	check "server $lib --read-delay starts" test -n "$srv_pid"
	[[ -n $srv_pid ]] || continue
	resp=$W/slow.$lib
	PEER_ARGS="--nonblock" peer_client "$lib" "$W/post.req" "$V4" "$srv_port" >"$resp"
	check "$lib --nonblock client -> slow reader: client exits 0" test $? -eq 0
	check "$lib --nonblock client -> slow reader: reply proves the bytes" post_exact "$resp"
	stop "$lib (slow reader)"
done

# --- the client's pid, and the static peer's two forms ---
# (the server pauses 300 ms before it reads: the client lives that long)
if peers_have wolfssl 2>/dev/null && PEER_ARGS="--read-delay 300" start wolfssl; then
	PEERS_CLIENT_PIDFILE=$W/client.pid \
		peer_client wolfssl "$W/get.req" "$V4" "$srv_port" >/dev/null &
	cpid= ccomm=
	# the pid is ip netns exec's until it has exec'd the client: look
	# until its comm shows
	for _ in $(seq 50); do
		[[ -z $cpid && -s $W/client.pid ]] && cpid=$(cat "$W/client.pid")
		ccomm=$(cat "/proc/${cpid:-0}/comm" 2>/dev/null)
		[[ $ccomm == wolfssl_peer ]] && break
		_peers_nap 0.02
	done
	check "PEERS_CLIENT_PIDFILE names the running client ($ccomm)" \
		test "$ccomm" = wolfssl_peer
	wait $!
	check "the client behind the pid file completed" test $? -eq 0
	stop wolfssl
fi
if [[ -x $PEERS_BIN/static_peer && -x $PEERS_BIN/static_peer.stripped ]]; then
	bid() { readelf -n "$1" | sed -n 's/.*Build ID: *//p'; }
	check "static_peer has a build-id" test -n "$(bid "$PEERS_BIN/static_peer")"
	check "static_peer.stripped keeps the same build-id" \
		test "$(bid "$PEERS_BIN/static_peer")" = "$(bid "$PEERS_BIN/static_peer.stripped")"
	check "static_peer has SSL_read in .symtab" \
		bash -c "nm '$PEERS_BIN/static_peer' | grep -qw SSL_read"
	check "static_peer.stripped has no .symtab" \
		bash -c "! readelf -S '$PEERS_BIN/static_peer.stripped' | grep -q '\.symtab'"
	check "static_peer does not load libssl.so" \
		bash -c "! readelf -d '$PEERS_BIN/static_peer' | grep -q 'libssl'"
	loads() { readelf -lW "$1" | grep LOAD; }
	check "static_peer.stripped has static_peer's layout (same offsets)" \
		test "$(loads "$PEERS_BIN/static_peer")" = "$(loads "$PEERS_BIN/static_peer.stripped")"
	line=$(peer_static_table_line "$PEERS_BIN/static_peer")
	check "peer_static_table_line: build-id and the four offsets" \
		grep -Eq "^$(bid "$PEERS_BIN/static_peer") openssl SSL_read=0x[0-9a-f]+ SSL_write=0x[0-9a-f]+ SSL_read_ex=0x[0-9a-f]+ SSL_write_ex=0x[0-9a-f]+$" <<<"$line"
	# the offset of SSL_read is where its code is, in both files
	off=$(sed -E 's/.* SSL_read=0x([0-9a-f]+) .*/\1/' <<<"$line")
	vaddr=$(nm "$PEERS_BIN/static_peer" | awk '$3 == "SSL_read" { print $1 }')
	same_code() {
		cmp -s <(tail -c +$((16#$off + 1)) "$PEERS_BIN/static_peer" | head -c 64) \
			<(tail -c +$((16#$off + 1)) "$PEERS_BIN/static_peer.stripped" | head -c 64) &&
			objdump -d --start-address="0x$vaddr" --stop-address=$((16#$vaddr + 16)) \
				"$PEERS_BIN/static_peer" | grep -q '<SSL_read>:'
	}
	check "SSL_read's table offset holds the same code in both files" same_code
fi

echo "$pass passed, $fail failed, ${#skipped[@]} skipped${skipped[*]:+ (${skipped[*]})}"
if ((fail > 0)); then
	for f in "$PEERS_TMP"/server-*.log; do
		echo "--- $(basename "$f") ---"
		tail -n 20 "$f"
	done
	exit 1
fi
# Nothing to prove without the peer programs: report a skip, not a pass.
if ((pass == 0)); then
	echo "SKIP: no peer could run (build the peers target)"
	exit 77
fi
exit 0
