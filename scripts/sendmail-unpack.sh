#!/bin/sh
# sendmail-unpack.sh [DIR] - Debian's Sendmail for the end-to-end tests,
# unpacked under DIR/root (default build/sendmail), not installed.
#
# sendmail-bin and postfix both provide mail-transport-agent and conflict,
# so installing one removes the other.  The tests need both, so Sendmail's
# packages (sendmail-bin, sendmail-cf) are downloaded with apt-get download
# and unpacked with dpkg-deb; scripts/deps.sh installs the libraries the
# binary links against.  Does nothing when already unpacked.
dir=${1:-build/sendmail}
[ -x "$dir/root/usr/libexec/sendmail/sendmail" ] &&
	[ -r "$dir/root/usr/share/sendmail/cf/m4/cf.m4" ] && exit 0
mkdir -p "$dir/debs" || exit 1
cd "$dir/debs" || exit 1
rm -f ./*.deb
echo "sendmail-unpack: downloading sendmail-bin and sendmail-cf into $dir/debs"
apt-get download -q sendmail-bin sendmail-cf 2>&1 | grep -v 'couldn.t be accessed by user ._apt' ||
	true
ls ./sendmail-bin_*.deb ./sendmail-cf_*.deb >/dev/null 2>&1 ||
	{ echo "sendmail-unpack: apt-get download failed (the Sendmail suite will skip)"; exit 1; }
for deb in ./*.deb; do
	dpkg-deb -x "$deb" ../root || exit 1
done
echo "sendmail-unpack: $(ls ./*.deb | tr '\n' ' ')unpacked in $dir/root"
