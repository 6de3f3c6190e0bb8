#!/bin/sh
# deps.sh GOAL... - make sure the Debian packages a make goal needs are present.
# As root: installs what is missing (apt-get update first).  Otherwise: prints
# the exact command to run and fails.
build="build-essential autoconf automake pkg-config libssl-dev libbsd-dev check
 libsubunit-dev libmilter-dev libmicrohttpd-dev libpsl-dev publicsuffix"
test="python3 python3-dkim libmail-dkim-perl opendkim opendkim-tools postfix
 unbound swaks clang libclang-rt-14-dev procps curl
 python3-dnspython python3-nacl python3-authres libnet-dns-perl iproute2
 python3-yaml clang-format
 opendmarc postfix-policyd-spf-python python3-spf
 m4 libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libwrap0"
# (the last line: what Debian's sendmail binary links against; the binary
# itself is unpacked, not installed, by scripts/sendmail-unpack.sh)
# make deb, and tests/package/run-deb.sh (which builds the package)
deb="debhelper dpkg-dev fakeroot lintian adduser"
want="$build"
sendmail=""
for goal in "$@"; do
	case $goal in
	check*|test*|fuzz|bench|demo) want="$want $test" ;;
	esac
	case $goal in
	deb|check|check-scripts) want="$want $deb" ;;
	esac
	case $goal in
	check|check-scripts|test*) sendmail=1 ;;
	esac
done
# unpack_sendmail - Debian's Sendmail for tests/e2e/run-milter-sendmail.sh
unpack_sendmail() {
	[ -n "$sendmail" ] && [ "$(id -u)" = 0 ] || return 0
	"$(dirname "$0")/sendmail-unpack.sh" build/sendmail || true
}
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && { unpack_sendmail; exit 0; }
line="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$missing"
if [ "$(id -u)" != 0 ]; then
	echo "dkimguard needs these Debian packages:$missing"
	echo "run as root:  $line"
	exit 1
fi
echo "installing:$missing"
apt-get update -q >/dev/null || { echo "apt-get update failed"; exit 1; }
# The packaged daemons (postfix, unbound, opendkim) must not start on their
# own: the tests run private instances on loopback high ports.  policy-rc.d
# is Debian's switch for that; ours is removed again afterwards.
policy=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing; rc=$?
[ -n "$ours" ] && rm -f "$policy"
[ "$rc" = 0 ] && unpack_sendmail
exit $rc
