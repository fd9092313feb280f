#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# enforcerd captures every TLS library, end to end. enforcerd starts first;
# then, for each library, a real server starts in a server namespace (so
# every server is a process that starts after enforcerd), in a cgroup of
# its own, and a real client sends an SQL injection from a client address
# of its own (rule 100100 denies that address). Asserted per library:
#   - status lists the library file the server maps (the executable itself
#     for static OpenSSL: "static", found by "symtab"), with users >= 1 and
#     its version text;
#   - the attack is audited with the library's name, the server's real pid
#     and tgid, executable, uid (one server runs as nobody), comm, cgroup
#     path and the 5-tuple (client address and an ephemeral port, server
#     address and port; Python over IPv6 too), direction inbound;
#   - the client's own request, seen from the client side, raises
#     requests.outbound.
# Then the static executable without symbols (static_peer.stripped): with no
# entry in the build-id table it is reported once as not capturable, by
# path, and its traffic is not audited; with its line added and the table
# read again by `enforcerctl reload` (no restart) it is found by "build-id
# table" and the attack is audited like the others.
# Usage: test_capture_libs.sh BUILD_DIR

# the checks' helpers are called through check and waitfor
# shellcheck disable=SC2317
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

BUILD=$(cd "${1:-build}" && pwd -P) || exit 1
ENFORCERD=$BUILD/enforcer/enforcerd
ENFORCERCTL=$BUILD/enforcer/enforcerctl
PEERS_BIN=$BUILD/tests/peers
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)

PEERS_ID=cl$$
PEERS_TIMEOUT=10
# shellcheck source=../peers/peers.sh
source "$SRC/tests/peers/peers.sh"
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: needs root (network namespaces, XDP, uprobes, cgroups)" >&2
	exit 77
fi
[[ -x $ENFORCERD && -x $ENFORCERCTL ]] ||
	peers_die "enforcerd/enforcerctl not built in $BUILD"
[[ -x $PEERS_BIN/ossl_peer ]] ||
	peers_die "peers not built in $BUILD (cmake --build $BUILD --target peers)"
[[ -n $PY ]] || peers_die "python3 not installed"

PIN=/sys/fs/bpf/enf-caplibs-$$
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
CGROOT=
DAEMON_PID=
# shellcheck source=../check.sh
source "$(dirname "$0")/../check.sh"
skipped=()
skip() { # skip NAME REASON
	echo "skip - $1: $2"
	skipped+=("$1")
}
waitfor() { # waitfor SECONDS CMD...: retries CMD until it succeeds
	local deadline=$((SECONDS + $1))
	shift
	while ((SECONDS < deadline)); do
		"$@" 2>/dev/null && return 0
		_peers_nap 0.1
	done
	"$@"
}

stop_daemon() {
	local rc=0
	[[ -n $DAEMON_PID ]] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		_peers_nap 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		rc=1
	fi
	wait "$DAEMON_PID" 2>/dev/null || rc=1
	DAEMON_PID=
	return $rc
}

cleanup() {
	local rc=$? cg
	stop_daemon
	peers_cleanup
	# enforcerd leaves its maps pinned at a plain stop
	[[ -d $PIN ]] && rm -rf "$PIN"
	if [[ -n $CGROOT && -d $CGROOT ]]; then
		for cg in "$CGROOT"/*/; do
			[[ -d $cg ]] || continue
			for _ in $(seq 50); do
				rmdir "$cg" 2>/dev/null && break
				_peers_nap 0.1
			done
			[[ -d $cg ]] && echo "# cgroup $cg stays (not empty)" >&2
		done
		rmdir "$CGROOT" 2>/dev/null
	fi
	return $rc
}
trap cleanup EXIT

peers_setup
peers_certs "$PEERS_TMP/certs"
T=$PEERS_TMP/caplibs
mkdir -p "$T"
chmod 755 "$T"
LOG=$T/enforcerd.log
TABLE=$T/tls-offsets.conf
if [[ -n $CG2 ]] && mkdir "$CG2/enf-caplibs-$$" 2>/dev/null; then
	CGROOT=$CG2/enf-caplibs-$$
else
	echo "# no cgroup2 mount: servers stay in the test's cgroup"
fi

cat >"$T/enforcer.conf" <<CONF
# written by tests/integration/test_capture_libs.sh
interface = $PEERS_IF_SRV
xdp_mode = auto
rules_dir = $SRC/rules/sets
database = $T/policy.db
control_socket = $T/enforcerd.sock
pin_path = $PIN
log_level = info
tls_offsets_file = $TABLE
CONF
printf '# build-id offset table of %s: no entries yet\n' "$0" >"$TABLE"

ctl() { "$ENFORCERCTL" -s "$T/enforcerd.sock" "$@"; }

# enforcerd in the server's namespace (its XDP program on the server's
# veth; nsenter --net keeps the host's /sys for the pins).
start_daemon() {
	nsenter --net="/run/netns/$PEERS_NS_SRV" "$ENFORCERD" \
		-c "$T/enforcer.conf" >>"$LOG" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		ctl status >/dev/null 2>&1 && return 0
		_peers_nap 0.1
	done
	cat "$LOG" >&2
	peers_die "enforcerd did not answer on its control socket"
}

finish() {
	echo "$pass passed, $fail failed${skipped:+, skipped: ${skipped[*]}}"
	if ((fail > 0)); then
		echo "--- enforcerd log (last 60 lines) ---"
		tail -n 60 "$LOG" 2>/dev/null
	fi
	((fail == 0))
}

# --- reading status and the audit log ---------------------------------

# status_file DEV:INO: the status entry of that file, as JSON ("" if none)
status_file() {
	ctl --json status | "$PY" -c '
import json, os, sys
want = sys.argv[1]
for f in json.load(sys.stdin)["tls"]["libraries"]:
    try:
        st = os.stat(f["path"])
    except OSError:
        continue
    if "%d:%d" % (st.st_dev, st.st_ino) == want:
        print(json.dumps(f))
        break
' "$1"
}
# jfield JSON KEY: one field of a JSON object
jfield() {
	"$PY" -c 'import json, sys
v = json.loads(sys.argv[1]).get(sys.argv[2], "")
print(str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}
# outbound: requests.outbound from status
outbound() { ctl --json status | "$PY" -c 'import json, sys
print(json.load(sys.stdin)["requests"]["outbound"])'; }
# audit_row WHERE: the first matching row as KEY=VALUE lines ("" if none)
audit_row() {
	ctl --json audit query "SELECT rule_id, tls_lib, pid, tgid, uid, exe, comm, cgroup, saddr, sport, daddr, dport, proto, direction, action, uri FROM audit WHERE $1 ORDER BY id LIMIT 1" |
		"$PY" -c 'import json, sys
r = json.load(sys.stdin)
cols = r.get("columns") or []
for row in r.get("rows") or []:
    for k, v in zip(cols, row):
        print("%s=%s" % (k, "" if v is None else v))
    break'
}
audit_count() {
	ctl --json audit query "SELECT count(*) FROM audit WHERE $1" |
		"$PY" -c 'import json, sys
print(json.load(sys.stdin)["rows"][0][0])'
}
# field ROW KEY
field() { sed -n "s/^$2=//p" <<<"$1" | head -n1; }
devino() { stat -L -c %d:%i "$1" 2>/dev/null; }

# --- the attack, and a fresh client address per server ----------------

ATTACK="/search?q=1'%20UNION%20SELECT%20password%20FROM%20users--"
printf 'GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: enforcer-caplibs\r\nAccept: */*\r\n\r\n' \
	"$ATTACK" "$PEERS_NAME" >"$T/attack.req"
NET4=${PEERS_CLI4%.*}
next_host=10

# new_client_addr [6]: a new address on the client's veth (in
# CLIENT_ADDR, as the audit log writes it), made the source of its
# connections to the server's address (SERVER_ADDR), IPv4 or IPv6.
new_client_addr() {
	local host=$next_host
	next_host=$((next_host + 1))
	if [[ ${1:-} == 6 ]]; then
		CLIENT_ADDR=$("$PY" -c 'import ipaddress, sys
n = ipaddress.ip_network(sys.argv[1] + "/64", strict=False)
print(n.network_address + int(sys.argv[2]))' "$PEERS_CLI6" "$host")
		SERVER_ADDR=$("$PY" -c 'import ipaddress, sys
print(ipaddress.ip_address(sys.argv[1]))' "$PEERS_SRV6")
		ip -n "$PEERS_NS_CLI" addr add "$CLIENT_ADDR/64" \
			dev "$PEERS_IF_CLI" nodad || return 1
		ip -n "$PEERS_NS_CLI" route replace "$SERVER_ADDR/128" \
			dev "$PEERS_IF_CLI" src "$CLIENT_ADDR"
		return
	fi
	CLIENT_ADDR=$NET4.$host
	SERVER_ADDR=$PEERS_SRV4
	ip -n "$PEERS_NS_CLI" addr add "$CLIENT_ADDR/24" \
		dev "$PEERS_IF_CLI" || return 1
	ip -n "$PEERS_NS_CLI" route replace "$SERVER_ADDR/32" \
		dev "$PEERS_IF_CLI" src "$CLIENT_ADDR"
}

# in_cgroup NAME CMD...: runs CMD with its children in the test's cgroup
# NAME (when there is a cgroup2 mount).
in_cgroup() {
	local name=$1
	shift
	if [[ -n $CGROOT ]]; then
		mkdir -p "$CGROOT/$name" &&
			echo "$BASHPID" >"$CGROOT/$name/cgroup.procs" || return 1
	fi
	"$@"
}

# server_as_nobody LIB PORT: peer_server for a peer program, run as
# nobody (uid 65534), so that the audited uid is not root's by chance.
server_as_nobody() {
	local lib=$1 port=$2 log=$PEERS_TMP/server-$2.log pid
	ip netns exec "$PEERS_NS_SRV" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$(_peers_prog "$lib")" server :: "$port" \
		"$PEERS_CERTS/server.pem" "$PEERS_CERTS/server.key" \
		</dev/null >"$log" 2>&1 &
	pid=$!
	echo "$pid" >>"$PEERS_TMP/pids"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		if ip netns exec "$PEERS_NS_SRV" ss -Hltn "sport = :$port" |
			grep -q LISTEN; then
			echo "$pid"
			return 0
		fi
		_peers_nap 0.05
	done
	echo "server $lib as nobody did not listen on $port" >&2
	cat "$log" >&2
	return 1
}

# lib_file PID PATTERN: the first file PID maps whose name matches the
# extended regex PATTERN
lib_file() {
	awk '$6 ~ /^\// { print $6 }' "/proc/$1/maps" 2>/dev/null |
		grep -E "/$2\$" | head -n1
}

# listed FILE_DEVINO MIN_USERS [HOW]: status lists the file, users >= MIN
listed() {
	local j
	j=$(status_file "$1")
	[[ -n $j ]] || return 1
	(($(jfield "$j" users) >= $2)) || return 1
	[[ -z ${3:-} || $(jfield "$j" how) == "$3" ]]
}

not_listed() { [[ -z $(status_file "$1") ]]; }
wait_row() { [[ -n $(audit_row "$1") ]]; }
outbound_above() { (($(outbound) > $1)); }
stopped() { ! peers_alive "$1"; }
same_nonempty() { [[ -n $1 && $1 == "$2" ]]; }
thread_of() { [[ -n $2 && ($2 == "$1" || -d /proc/$1/task/$2) ]]; }
stop_server() {
	kill -TERM "$1" 2>/dev/null
	waitfor 5 stopped "$1"
}

# check_version NAME FILE VERSION RE: the version status shows is /RE/;
# for an executable, the one its own version text names, if any (a static
# program that never calls OpenSSL_version() links no version text).
check_version() {
	local name=$1 file=$2 ver=$3 re=$4 text
	if [[ $file == "$PEERS_BIN"/* ]]; then
		text=$(grep -aEo "${re%% *} [0-9]+\.[0-9]+\.[0-9]+[a-z]?" "$file" |
			head -n1)
		if [[ -z $text ]]; then
			echo "# $name: $file holds no version text"
			check "$name: no version text, none shown ('$ver')" \
				test -z "$ver"
			return
		fi
		check "$name: version '$ver' is the file's own ('$text')" \
			test "$ver" = "$text"
	fi
	check "$name: version '$ver' is /$re/" grep -Eq "^$re" <<<"$ver"
}

# status_line ENTRY: enforcerctl status (text) has the entry's line
status_line() {
	local ver
	ver=$(jfield "$1" version)
	grep -qF "$(printf '  %-9s %-16s %s (' "$(jfield "$1" lib)" \
		"${ver:--}" "$(jfield "$1" path)")" <<<"$(ctl status)"
}

# run_lib NAME SERVER CLIENT LIB FILE_RE VERSION_RE [HOW [nobody]]: one
# library end to end (see the head of this file). FILE_RE names the file to
# find in the server's maps; "exe" for the server's executable (static
# TLS: then HOW is how status must say it was found). With FAMILY=6 the
# client connects over IPv6.
port=8443
run_lib() {
	local name=$1 srv=$2 cli=$3 lib=$4 file_re=$5 ver_re=$6 how=${7:--}
	local as=${8:-}
	local addr pid exe uid cg file di j row out before rc where
	port=$((port + 1))
	if ! peers_have "$srv" server || ! peers_have "$cli" client; then
		skip "$name" "server $srv or client $cli cannot run here"
		return
	fi
	new_client_addr "${FAMILY:-4}" ||
		peers_die "client address for $name"
	addr=$CLIENT_ADDR
	if [[ $as == nobody ]]; then
		pid=$(in_cgroup "$name" server_as_nobody "$srv" "$port")
	else
		pid=$(in_cgroup "$name" peer_server "$srv" "$port")
	fi
	check "$name: server $srv started after enforcerd (pid ${pid:-none})" \
		test -n "$pid"
	[[ -n $pid ]] || return
	exe=$(readlink "/proc/$pid/exe")
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	if [[ -n $CGROOT ]]; then
		check "$name: server runs in its own cgroup ($cg)" \
			test "$cg" = "${CGROOT#"$CG2"}/$name"
	fi
	if [[ $file_re == exe ]]; then
		file=$exe
	else
		file=$(lib_file "$pid" "$file_re")
	fi
	check "$name: server maps its TLS library ($file)" test -n "$file"
	di=$(devino "$file")
	check "$name: status lists $file with users >= 1" \
		waitfor 10 listed "$di" 1
	j=$(status_file "$di")
	check "$name: listed as $lib" test "$(jfield "$j" lib)" = "$lib"
	check_version "$name" "$file" "$(jfield "$j" version)" "$ver_re"
	check "$name: enforcerctl status shows $lib, its version and path" \
		status_line "$j"
	if [[ $file_re == exe ]]; then
		check "$name: listed as static" \
			test "$(jfield "$j" static)" = true
		check "$name: found by $how" \
			test "$(jfield "$j" how)" = "$how"
		check "$name: its build-id shown" test "$(jfield "$j" build_id)" = \
			"$(readelf -n "$file" | sed -n 's/.*Build ID: *//p')"
	fi

	before=$(outbound)
	out=$(peer_client "$cli" "$T/attack.req" "$SERVER_ADDR" "$port" \
		2>&1)
	rc=$?
	# the deny may cut the client off once the server has the request
	[[ $rc -eq 0 ]] || echo "# $name: client $cli exit $rc: ${out:0:200}"
	where="rule_id = 100100 AND saddr = '$addr' AND direction = 'inbound'"
	check "$name: the attack is audited" waitfor 10 wait_row "$where"
	row=$(audit_row "$where")
	check "$name: tls_lib $lib" test "$(field "$row" tls_lib)" = "$lib"
	# pid is the thread's id (selfserv reads in a worker thread)
	check "$name: pid $(field "$row" pid) is the server's ($pid) or its thread" \
		thread_of "$pid" "$(field "$row" pid)"
	check "$name: tgid is the server's ($pid)" \
		test "$(field "$row" tgid)" = "$pid"
	check "$name: exe is the server's ($exe)" \
		test "$(field "$row" exe)" = "$exe"
	check "$name: uid is the server's ($uid)" \
		test "$(field "$row" uid)" = "$uid"
	check "$name: comm is the server's" \
		test "$(field "$row" comm)" = "$(cat "/proc/$pid/comm")"
	check "$name: cgroup is the server's ($cg)" \
		same_nonempty "$(field "$row" cgroup)" "$cg"
	check "$name: saddr is the client's ($addr)" \
		test "$(field "$row" saddr)" = "$addr"
	check "$name: sport is the client's ephemeral port" \
		test "$(field "$row" sport)" -ge 1024
	check "$name: daddr is the server's ($SERVER_ADDR)" \
		test "$(field "$row" daddr)" = "$SERVER_ADDR"
	check "$name: dport is the server's ($port)" \
		test "$(field "$row" dport)" = "$port"
	check "$name: proto tcp" test "$(field "$row" proto)" = tcp
	check "$name: uri holds the attack" \
		grep -q "UNION%20SELECT" <<<"$(field "$row" uri)"
	check "$name: client $cli's request counted in requests.outbound" \
		waitfor 10 outbound_above "$before"
	stop_server "$pid"
	# an executable has one user here: its last exit detaches it
	if [[ $file_re == exe ]]; then
		check "$name: detached once its process is gone" \
			waitfor 5 not_listed "$di"
	fi
}

start_daemon
check "enforcerd started with an empty build-id table, capture on" \
	grep -q "tls: capturing through" "$LOG"

run_lib openssl openssl curl openssl 'libssl\.so\.[0-9.]+' 'OpenSSL 3\.'
run_lib gnutls gnutls gnutls gnutls 'libgnutls\.so\.[0-9.]+' 'GnuTLS 3\.'
run_lib nss nss nss nss 'libnspr4\.so' 'NSS 3\.'
run_lib wolfssl wolfssl wolfssl wolfssl 'libwolfssl\.so\.[0-9.]+' \
	'wolfSSL 5\.' - nobody
run_lib python python python openssl 'libssl\.so\.[0-9.]+' 'OpenSSL 3\.'
FAMILY=6 run_lib python-v6 python python openssl 'libssl\.so\.[0-9.]+' \
	'OpenSSL 3\.'
run_lib static static openssl openssl exe 'OpenSSL 3\.' symtab

# --- static OpenSSL without symbols: not capturable, then by build-id ---
STRIPPED=$PEERS_BIN/static_peer.stripped
not_capturable() { grep -F "not capturable: $STRIPPED (build-id" "$LOG"; }
reported() { [[ -n $(not_capturable) ]]; }
got_requests() { # got_requests PORT...: each server logged a request
	local p
	for p in "$@"; do
		grep -q '^request ' "$PEERS_TMP/server-$p.log" || return 1
	done
}

# stripped: static_peer.stripped with no table entry (two processes of it),
# then with its line in the table, read again by enforcerctl reload.
stripped() {
	local sid addr t0 pid pid2 before line
	sid=$(readelf -n "$STRIPPED" | sed -n 's/.*Build ID: *//p')
	check "static_peer.stripped has a build-id ($sid)" test -n "$sid"
	check "static_peer.stripped has no .symtab" \
		test -z "$(readelf -SW "$STRIPPED" | grep -w '\.symtab')"
	new_client_addr || peers_die "client address for static-stripped"
	addr=$CLIENT_ADDR
	port=$((port + 1))
	t0=$SECONDS
	pid=$(in_cgroup stripped peer_server static-stripped "$port")
	check "stripped: server started after enforcerd (pid ${pid:-none})" \
		test -n "$pid"
	# a second process of the same file: the report stays single
	pid2=$(in_cgroup stripped peer_server static-stripped $((port + 1)))
	check "stripped: a second server of the same file (pid ${pid2:-none})" \
		test -n "$pid2"
	[[ -n $pid && -n $pid2 ]] || return
	check "stripped: the log says not capturable, naming its path" \
		waitfor 8 reported
	check "stripped: the report names its build-id and the table" \
		grep -qF "(build-id $sid): no TLS symbols and no entry in $TABLE" \
		<<<"$(not_capturable)"
	before=$(outbound)
	peer_client ossl "$T/attack.req" "$SERVER_ADDR" "$port" \
		>/dev/null 2>&1
	peer_client ossl "$T/attack.req" "$SERVER_ADDR" $((port + 1)) \
		>/dev/null 2>&1
	check "stripped: both servers got the attack" \
		got_requests "$port" $((port + 1))
	# the clients' side is captured meanwhile: the pipeline ran
	check "stripped: the clients' requests counted in requests.outbound" \
		waitfor 10 outbound_above "$before"
	# past the exec rescans (+50, +500, +5000 ms) of both servers
	while ((SECONDS - t0 < 7)); do _peers_nap 0.2; done
	check "stripped: reported once ($(not_capturable | wc -l) lines)" \
		test "$(not_capturable | wc -l)" -eq 1
	check "stripped: the attack produced no audit row" \
		test "$(audit_count "saddr = '$addr' OR tgid IN ($pid, $pid2)")" = 0
	check "stripped: status does not list it" \
		test -z "$(status_file "$(devino "$STRIPPED")")"
	stop_server "$pid"
	stop_server "$pid2"

	# static_peer.stripped is static_peer without .symtab: same build-id,
	# same layout, so static_peer's offsets are its offsets
	line=$(peer_static_table_line "$PEERS_BIN/static_peer")
	check "table line for static_peer: '$line'" \
		grep -Eq "^$sid openssl SSL_read=0x[0-9a-f]+ SSL_write=0x[0-9a-f]+ SSL_read_ex=0x[0-9a-f]+ SSL_write_ex=0x[0-9a-f]+\$" \
		<<<"$line"
	echo "$line" >>"$TABLE"
	# the running daemon reads the table again, rules and table both
	out=$(ctl reload 2>&1)
	check "enforcerctl reload succeeds with the new line ($out)" \
		grep -q 'rules reloaded' <<<"$out"
	check "the reload did not refuse the table" \
		test -z "$(grep -F "tls offset table refused" <<<"$out")"
	check "the log says the table was read again with its entry" \
		waitfor 5 grep -qE 'tls offset table: [1-9][0-9]* entr(y|ies) from' \
		"$LOG"
	run_lib stripped static-stripped openssl openssl exe 'OpenSSL 3\.' \
		"build-id table"
	check "stripped: still one not-capturable report" \
		test "$(not_capturable | wc -l)" -eq 1
}
if peers_have static-stripped server && peers_have static server &&
	peers_have ossl client; then
	stripped
else
	skip stripped "static_peer.stripped or ossl_peer not built"
fi

stop_daemon
check "enforcerd stops cleanly" test $? -eq 0
check "no sanitizer report in the enforcerd log" \
	test -z "$(grep -E 'Sanitizer|runtime error:' "$LOG")"

finish
