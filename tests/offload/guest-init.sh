#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the netdevsim guest (busybox sh). Creates a netdevsim device, runs
# enforcerd on it in xdp_mode = auto, and checks what enforcerd reports
# against what the kernel says (enf-offload-probe, iproute2's ip, netdevsim's
# debugfs). One line per check on the serial console:
#   ENF-CHECK ok NAME
#   ENF-CHECK FAIL NAME: why
#   ENF-CHECK pending NAME: waiting on what
# then ENF-GUEST-DONE, and the guest reboots (qemu runs with -no-reboot, so
# it exits). run-guest.sh on the host judges the lines against its list of
# expected checks; keep both lists in step.
#
# "pending" is printed only when the feature a check needs is visibly absent
# from the binaries (enforcerctl has no 'block add', enforcerd has no
# --detach, status has no 'offloaded'); once the feature is there, the check
# runs and passes or fails.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /var/lib/enforcer /run/enforcer /etc/enforcer
hostname enforcer-guest
# No BTF in this kernel: give libbpf the minimal one make-initramfs.sh cut
# for the XDP objects, at a path it tries after /sys/kernel/btf/vmlinux.
if [ -s /usr/lib/enforcer-test/vmlinux.btf ]; then
	mkdir -p /boot
	cp /usr/lib/enforcer-test/vmlinux.btf /boot/vmlinux-"$(uname -r)"
fi

NSIM_ID=10
PIN=/sys/fs/bpf/enforcer
CONF=/etc/enforcer/enforcer.conf
DLOG=/tmp/enforcerd.log
IP=/usr/libexec/enforcer-test/ip
# Seconds enforcerd gets to answer its control socket (TCG is slow: the
# Hyperscan compile of the default rule set alone takes seconds).
START_WAIT=180
STOP_WAIT=60

ok() { echo "ENF-CHECK ok $1"; }
fail() {
	c=$1
	shift
	echo "ENF-CHECK FAIL $c: $*"
}
pending() {
	c=$1
	shift
	echo "ENF-CHECK pending $c: $*"
}
note() { echo "guest: $*"; }

finish() {
	if [ -s "$DLOG" ]; then
		echo "ENF-LOG-BEGIN enforcerd"
		cat "$DLOG"
		echo "ENF-LOG-END enforcerd"
	fi
	echo "ENF-GUEST-DONE"
	sync
	reboot -f
	sleep 5
	exit 0
}

# Runs a command with a deadline, so one hung call cannot eat the host's.
t() { timeout 30 "$@"; }

note "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s)"

# --- the netdevsim device -------------------------------------------------
IF=""
if echo "$NSIM_ID 1" >/sys/bus/netdevsim/new_device 2>/tmp/nsim.err; then
	i=0
	while [ $i -lt 50 ]; do
		for p in /sys/bus/netdevsim/devices/netdevsim"$NSIM_ID"/net/*; do
			[ -e "$p" ] && IF=${p##*/}
		done
		[ -n "$IF" ] && break
		sleep 0.1
		i=$((i + 1))
	done
fi
if [ -z "$IF" ]; then
	fail netdevsim_device "no netdev appeared: $(cat /tmp/nsim.err)"
	finish
fi
ip link set lo up
ip link set "$IF" up
IFINDEX=$(cat /sys/class/net/"$IF"/ifindex)
NSIM_DBG=/sys/kernel/debug/netdevsim/netdevsim$NSIM_ID
ok netdevsim_device
note "netdevsim device $IF, ifindex $IFINDEX"

cat >"$CONF" <<EOF
interface = $IF
xdp_mode = auto
rules_dir = /usr/share/enforcer/rules
database = /var/lib/enforcer/policy.db
control_socket = /run/enforcer/enforcerd.sock
pin_path = $PIN
log_level = debug
EOF

# --- features of the binaries under test ------------------------------------
has_block_add=0
enforcerctl help 2>&1 | grep -q 'block add' && has_block_add=1
has_detach=0
enforcerd --help 2>&1 | grep -q -- '--detach' && has_detach=1

DPID=""
# start_daemon [ARGS]: starts enforcerd and waits until it answers.
start_daemon() {
	echo "=== enforcerd $*" >>"$DLOG"
	enforcerd -c "$CONF" "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	i=0
	while [ $i -lt $((START_WAIT * 2)) ]; do
		if ! kill -0 "$DPID" 2>/dev/null; then
			wait "$DPID"
			note "enforcerd exited with $? before answering"
			DPID=""
			return 1
		fi
		t enforcerctl status >/dev/null 2>&1 && return 0
		sleep 0.5
		i=$((i + 1))
	done
	note "enforcerd did not answer within ${START_WAIT}s"
	return 1
}

# alive PID: running, and not a zombie waiting for us.
alive() {
	st=$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# stop_daemon: SIGTERM, then waits; returns enforcerd's exit status, or 124
# when it did not stop in time (then it is killed).
stop_daemon() {
	[ -n "$DPID" ] || return 1
	kill -TERM "$DPID"
	i=0
	while [ $i -lt $((STOP_WAIT * 10)) ] && alive "$DPID"; do
		sleep 0.1
		i=$((i + 1))
	done
	if alive "$DPID"; then
		kill -KILL "$DPID"
		wait "$DPID"
		DPID=""
		return 124
	fi
	wait "$DPID"
	rc=$?
	DPID=""
	return $rc
}

# status_json: enforcerctl --json status into /tmp/status.json.
status_json() {
	t enforcerctl --json status >/tmp/status.json 2>/tmp/status.err
}

# j PATH: one value from /tmp/status.json, "" when absent.
j() { enf-offload-probe json "$1" </tmp/status.json 2>/dev/null; }

# field FILE WORD KEY: the KEY=value of the first line starting with WORD.
field() {
	awk -v w="$2" -v k="$3" '$1 == w {
		for (i = 2; i <= NF; i++)
			if (index($i, k "=") == 1) {
				print substr($i, length(k) + 2); exit
			}
	}' "$1"
}

# nic_has MAP ADDR / host_has MAP ADDR: is "entry src ADDR" in the map bound
# to the netdevsim device / in the host map of that name?
map_has() {
	t enf-offload-probe dump "$1" "$2" >/tmp/dump.txt 2>&1 || {
		cat /tmp/dump.txt
		return 2
	}
	awk -v a="$3" '$1 == "entry" && $2 == "src" && $3 == a { f = 1 }
		END { exit !f }' /tmp/dump.txt
}
map_count() {
	t enf-offload-probe dump "$1" "$2" 2>/dev/null |
		awk -F= '/^entries=/ { print $2 }'
}

# --- 1. enforcerd in auto mode on the netdevsim device --------------------
if ! start_daemon; then
	fail enforcerd_started "no answer on the control socket; last error:" \
		"$(grep '\[error\]' "$DLOG" | tail -n 1) (whole log below)"
	finish
fi
ok enforcerd_started

t enf-offload-probe xdp "$IF" >/tmp/xdp.txt 2>&1
cat /tmp/xdp.txt
kmode=$(field /tmp/xdp.txt attached mode)
drv_name=$(field /tmp/xdp.txt xdp_drv name)
drv_id=$(field /tmp/xdp.txt xdp_drv id)
hw_name=$(field /tmp/xdp.txt xdp_hw name)
hw_id=$(field /tmp/xdp.txt xdp_hw id)
hw_dev=$(field /tmp/xdp.txt xdp_hw offload_dev)
skb_name=$(field /tmp/xdp.txt xdp_skb name)
case "$drv_name$hw_name$skb_name" in
*xdp_host* | *xdp_offload*)
	ok xdp_attached
	;;
*)
	fail xdp_attached "no program of ours on $IF (kernel: mode=$kmode" \
		"drv=$drv_name hw=$hw_name skb=$skb_name)"
	;;
esac

if ! status_json; then
	fail status_matches_kernel "enforcerctl --json status: $(cat /tmp/status.err)"
	smode=""
else
	cat /tmp/status.json
	smode=$(j ".interfaces[name=$IF].mode")
	agree=0
	case "$smode" in
	hw)
		[ "$hw_name" = xdp_offload ] && [ "$drv_name" = xdp_host ] &&
			agree=1
		;;
	native)
		[ -n "$drv_name" ] && [ -z "$hw_name$skb_name" ] && agree=1
		;;
	generic)
		[ -n "$skb_name" ] && [ -z "$drv_name$hw_name" ] && agree=1
		;;
	esac
	if [ $agree -eq 1 ]; then
		ok status_matches_kernel
	else
		fail status_matches_kernel "status says mode '$smode' on $IF," \
			"kernel has drv=$drv_name hw=$hw_name skb=$skb_name"
	fi
fi

# Hardware offload: the daemon's report, then three views from the kernel.
offloaded=$(j ".interfaces[name=$IF].offloaded")
has_hw=1
[ -z "$offloaded" ] && has_hw=0
HW_WAIT="the hw mode of the data plane (status has no 'offloaded' for $IF;"
HW_WAIT="$HW_WAIT mode '$smode')"
if [ $has_hw -eq 0 ]; then
	for c in auto_hw_status auto_hw_kernel auto_hw_iproute2 auto_hw_debugfs \
		nic_maps_bound; do
		pending "$c" "$HW_WAIT"
	done
else
	sdriver=$(j ".interfaces[name=$IF].driver")
	if [ "$smode" = hw ] && [ "$offloaded" = true ] &&
		[ "$sdriver" = netdevsim ]; then
		ok auto_hw_status
	else
		fail auto_hw_status "status for $IF: mode '$smode' (want hw)," \
			"offloaded '$offloaded' (want true), driver '$sdriver'" \
			"(want netdevsim)"
	fi

	if [ "$hw_name" = xdp_offload ] && [ "$hw_dev" = "$IF" ] &&
		[ "$drv_name" = xdp_host ]; then
		ok auto_hw_kernel
	else
		fail auto_hw_kernel "kernel: mode=$kmode hw=$hw_name" \
			"(offloaded to '$hw_dev') drv=$drv_name; want hw=xdp_offload" \
			"on $IF and drv=xdp_host"
	fi

	t $IP -d link show dev "$IF" >/tmp/iplink.txt 2>&1
	cat /tmp/iplink.txt
	if [ -n "$hw_id" ] && [ -n "$drv_id" ] &&
		grep -q "prog/xdpoffload id $hw_id " /tmp/iplink.txt &&
		grep -q "prog/xdpdrv id $drv_id " /tmp/iplink.txt; then
		ok auto_hw_iproute2
	else
		fail auto_hw_iproute2 "ip -d link lacks prog/xdpoffload id" \
			"'$hw_id' or prog/xdpdrv id '$drv_id'"
	fi

	dbg_id=""
	for f in "$NSIM_DBG"/ports/*/bpf_offloaded_id; do
		[ -r "$f" ] && dbg_id=$(cat "$f")
	done
	if [ -n "$hw_id" ] && [ "$dbg_id" = "$hw_id" ]; then
		ok auto_hw_debugfs
	else
		fail auto_hw_debugfs "netdevsim debugfs bpf_offloaded_id '$dbg_id'," \
			"hw program id '$hw_id'"
	fi

	# The NIC's maps: bound to the device, flags 0, no BTF.
	t enf-offload-probe maps "$IF" >/tmp/nicmaps.txt 2>&1
	cat /tmp/nicmaps.txt
	bad=""
	for m in deny_src4 deny_src6 deny_flow xdp_stats; do
		line=$(grep " name=$m " /tmp/nicmaps.txt)
		case "$line" in
		"") bad="$bad $m:absent" ;;
		*" flags=0 btf_id=0 ifindex=$IFINDEX "*) ;;
		*) bad="$bad $m:{$line}" ;;
		esac
	done
	if [ -z "$bad" ]; then
		ok nic_maps_bound
	else
		fail nic_maps_bound "maps on $IF not bound without BTF and flags:$bad"
	fi
fi

# --- 2. block add / del: NIC map first, then deny_spill ---------------------
A1=192.0.2.10
A2=192.0.2.11
A3=192.0.2.12
BLOCK_CHECKS="block_add_nic block_spill status_json_spill status_text"
BLOCK_CHECKS="$BLOCK_CHECKS verify_nic_drift block_del_nic block_del_spill"
if [ $has_block_add -eq 0 ]; then
	for c in $BLOCK_CHECKS; do
		pending "$c" "'enforcerctl block add' (not in enforcerctl help)"
	done
elif [ $has_hw -eq 0 ]; then
	for c in $BLOCK_CHECKS; do
		pending "$c" "$HW_WAIT"
	done
else
	err=""
	for a in $A1 $A2 $A3; do
		t enforcerctl block add src "$a" >/tmp/block.out 2>&1 ||
			err="$err [block add src $a: $(cat /tmp/block.out)]"
	done
	[ -n "$err" ] && note "errors:$err"

	n=$(map_count "$IF" deny_src4)
	if [ -z "$err" ] && map_has "$IF" deny_src4 $A1 &&
		map_has "$IF" deny_src4 $A2 && [ "$n" = 2 ]; then
		ok block_add_nic
	else
		fail block_add_nic "NIC deny_src4 holds $n entries, want $A1 and" \
			"$A2 ($err)"
	fi
	t enf-offload-probe dump "$IF" deny_src4
	t enf-offload-probe dump host deny_spill

	if map_has host deny_spill $A3 && ! map_has "$IF" deny_src4 $A3; then
		ok block_spill
	else
		fail block_spill "$A3 not in deny_spill, or in the NIC map"
	fi

	if status_json; then
		cat /tmp/status.json
		# Per interface: the spill and the NIC map's fill; for the
		# host: all three in its deny_src4 copy, one in deny_spill.
		got="spilled=$(j ".interfaces[name=$IF].spilled")"
		got="$got nic.entries.src4=$(j ".interfaces[name=$IF].nic.entries.src4")"
		got="$got nic.capacity.src4=$(j ".interfaces[name=$IF].nic.capacity.src4")"
		got="$got deny_entries.src4=$(j .deny_entries.src4)"
		got="$got deny_entries.spill=$(j .deny_entries.spill)"
		want="spilled=1 nic.entries.src4=2 nic.capacity.src4=2"
		want="$want deny_entries.src4=3 deny_entries.spill=1"
		if [ "$got" = "$want" ]; then
			ok status_json_spill
		else
			fail status_json_spill "status for $IF: $got; want $want"
		fi
	else
		fail status_json_spill "enforcerctl --json status: $(cat /tmp/status.err)"
	fi

	t enforcerctl status >/tmp/status.txt 2>&1
	cat /tmp/status.txt
	# The interface's line names its driver and the hw mode; a line
	# reports one entry spilled.
	if grep -q "$IF.*netdevsim.*hw" /tmp/status.txt &&
		grep -Eiq 'spill[^0-9]*[ =:]1([^0-9]|$)' /tmp/status.txt; then
		ok status_text
	else
		fail status_text "enforcerctl status has no line naming $IF," \
			"netdevsim and hw, or no spill count of 1"
	fi

	# The NIC loses A2 and gains A4 behind enforcerd's back: block
	# verify names both, with the device; then the NIC is put back.
	A4=192.0.2.13
	t enf-offload-probe del "$IF" deny_src4 $A2
	t enf-offload-probe put "$IF" deny_src4 $A4
	t enforcerctl block verify >/tmp/verify.txt 2>&1
	rc=$?
	cat /tmp/verify.txt
	if [ $rc -eq 1 ] &&
		grep -q "^missing  *src $A2 ($IF)\$" /tmp/verify.txt &&
		grep -q "^unknown  *src $A4 ($IF)\$" /tmp/verify.txt; then
		ok verify_nic_drift
	else
		fail verify_nic_drift "block verify (exit $rc, want 1) did not" \
			"name src $A2 missing and src $A4 unknown on $IF"
	fi
	t enf-offload-probe del "$IF" deny_src4 $A4
	t enf-offload-probe put "$IF" deny_src4 $A2

	t enforcerctl block del src $A1 >/tmp/block.out 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! map_has "$IF" deny_src4 $A1 &&
		map_has "$IF" deny_src4 $A2; then
		ok block_del_nic
	else
		fail block_del_nic "block del src $A1 (exit $rc: $(cat /tmp/block.out))" \
			"left the NIC map with: $(grep ^entry /tmp/dump.txt)"
	fi

	t enforcerctl block del src $A3 >/tmp/block.out 2>&1
	rc=$?
	where=""
	map_has host deny_spill $A3 && where="$where deny_spill"
	map_has "$IF" deny_src4 $A3 && where="$where NIC"
	map_has host deny_src4 $A3 && where="$where host-deny_src4"
	if [ $rc -eq 0 ] && [ -z "$where" ]; then
		ok block_del_spill
	else
		fail block_del_spill "block del src $A3 (exit $rc:" \
			"$(cat /tmp/block.out)) left it in:$where"
	fi
fi

# --- 4. stop without --detach: the pins stay --------------------------------
stop_daemon
rc=$?
if [ $rc -eq 0 ]; then
	ok sigterm_exit
else
	fail sigterm_exit "enforcerd exited with $rc after SIGTERM (124: hung)"
fi
ls -l "$PIN" 2>&1
missing=""
for m in deny_src4 deny_src6 deny_flow; do
	[ -e "$PIN/$m" ] || missing="$missing $m"
done
if [ -n "$missing" ]; then
	fail stop_keeps_pins "after SIGTERM, no pin for:$missing in $PIN"
elif [ $has_block_add -eq 1 ] && [ $has_hw -eq 1 ] &&
	! map_has host deny_src4 $A2; then
	fail stop_keeps_pins "the pinned deny_src4 lost $A2 at stop"
else
	ok stop_keeps_pins
fi

# --- 4. start with --detach, stop: nothing of ours is left -----------------
DETACH_CHECKS="detach_exit detach_no_programs detach_no_maps detach_no_pins"
if [ $has_detach -eq 0 ]; then
	for c in $DETACH_CHECKS; do
		pending "$c" "'enforcerd --detach' (not in enforcerd --help)"
	done
elif ! start_daemon --detach; then
	for c in $DETACH_CHECKS; do
		fail "$c" "enforcerd --detach did not start (log below)"
	done
else
	stop_daemon
	rc=$?
	if [ $rc -eq 0 ]; then
		ok detach_exit
	else
		fail detach_exit "enforcerd --detach exited with $rc after" \
			"SIGTERM (124: hung)"
	fi
	# Programs and maps go away when their last reference does; give the
	# kernel a moment, then look. Nothing else in this guest loads BPF, so
	# whatever is left is ours.
	i=0
	while [ $i -lt 20 ]; do
		t enf-offload-probe objects >/tmp/objects.txt 2>&1
		grep -q '^total progs=0 maps=0$' /tmp/objects.txt && break
		sleep 0.25
		i=$((i + 1))
	done
	cat /tmp/objects.txt
	t enf-offload-probe xdp "$IF" >/tmp/xdp.txt 2>&1
	cat /tmp/xdp.txt
	kmode=$(field /tmp/xdp.txt attached mode)
	nprogs=$(grep -c '^prog ' /tmp/objects.txt)
	if [ "$kmode" = none ] && [ "$nprogs" = 0 ]; then
		ok detach_no_programs
	else
		fail detach_no_programs "after --detach: $IF xdp mode '$kmode'," \
			"programs left: $(grep '^prog ' /tmp/objects.txt |
				awk '{ printf "%s ", $3 }')"
	fi
	nmaps=$(grep -c '^map ' /tmp/objects.txt)
	if [ "$nmaps" = 0 ]; then
		ok detach_no_maps
	else
		fail detach_no_maps "after --detach, maps left: $(grep '^map ' \
			/tmp/objects.txt | awk '{ printf "%s ", $3 }')"
	fi
	if [ ! -e "$PIN" ] || [ -z "$(ls -A "$PIN")" ]; then
		ok detach_no_pins
	else
		fail detach_no_pins "after --detach, $PIN holds:" \
			"$(cd "$PIN" && find . | tr '\n' ' ')"
	fi
fi

finish
