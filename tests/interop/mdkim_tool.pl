#!/usr/bin/perl
# mdkim_tool.pl - sign and verify with Mail::DKIM (libmail-dkim-perl), offline.
#
# usage: mdkim_tool.pl verify DNS.tsv FILE...
#            one line per signature: "FILE<TAB>IDX<TAB>RESULT<TAB>detail"
#            (RESULT as Mail::DKIM says: pass, fail, invalid, temperror,
#            none); "FILE<TAB>-<TAB>none<TAB>no signatures" when none
#        mdkim_tool.pl sign < JOBS
#            each JOBS line: IN OUT ALG CANON KEYFILE SELECTOR DOMAIN
#            (tab-separated; ALG rsa-sha256 only in this Mail::DKIM)
#
# DNS is faked by installing our own resolver object with
# Mail::DKIM::DNS::resolver(): Mail::DKIM::DNS::query() calls its send()
# and errorstring(), and we answer from a dns.tsv table with real
# Net::DNS packets, so Mail::DKIM's own NXDOMAIN/NODATA handling runs.
# Mail::DKIM wants the message as SMTP delivers it: every line ending in
# CRLF.  Bare LF is converted and a missing final CRLF is added, as its
# dkimverify.pl does (it re-terminates every line).  This never changes a
# correct body hash: RFC 6376 3.4.3/3.4.4 add that CRLF anyway.  Fed raw
# bytes without the final CRLF, Mail::DKIM 1.20230212 hashes the partial
# last line without it and reports "body has been altered".
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::Signer;
use Mail::DKIM::DNS;
use Net::DNS;

package FakeResolver;

sub new { my ($class, $table) = @_; return bless { t => $table, err => 'NOERROR' }, $class }

sub errorstring { return $_[0]{err} }

# send - a Net::DNS::Packet answering NAME TYPE from the table
sub send {
	my ($self, $name, $type) = @_;
	my $key = lc $name;
	$key =~ s/\.\z//;
	my $pkt = Net::DNS::Packet->new($name, $type, 'IN');
	$pkt->header->qr(1);
	my $recs = $self->{t}{$key};
	if (!$recs || $recs->[0] eq '@NXDOMAIN') {
		$pkt->header->rcode('NXDOMAIN');
		return $pkt;
	}
	if ($recs->[0] =~ /^@/) {	# @SERVFAIL, @TIMEOUT
		$self->{err} = 'SERVFAIL';
		return undef;
	}
	$self->{err} = 'NOERROR';
	$pkt->header->rcode('NOERROR');
	for my $txt (@$recs) {
		my @chunks = unpack('(a255)*', $txt);
		@chunks = ('') unless @chunks;
		$pkt->push(answer => Net::DNS::RR->new(
		    name => $name, type => 'TXT', ttl => 60, txtdata => [@chunks]));
	}
	return $pkt;
}

package main;

sub load_dns {
	my ($path) = @_;
	my %t;
	open(my $fh, '<:raw', $path) or die "cannot open $path: $!\n";
	while (my $l = <$fh>) {
		$l =~ s/\r?\n\z//;
		next if $l eq '' || $l =~ /^#/ || $l !~ /\t/;
		my ($name, $txt) = split(/\t/, $l, 2);
		$name = lc $name;
		$name =~ s/\.\z//;
		push @{ $t{$name} }, $txt;
	}
	return \%t;
}

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "cannot open $path: $!\n";
	local $/;
	my $d = <$fh>;
	return defined $d ? $d : '';
}

sub to_crlf {
	my ($d) = @_;
	$d =~ s/\015?\012/\015\012/g;
	$d .= "\015\012" if $d ne '' && $d !~ /\015\012\z/;
	return $d;
}

sub verify {
	my ($dns, @files) = @_;
	Mail::DKIM::DNS::resolver(FakeResolver->new(load_dns($dns)));
	for my $path (@files) {
		my $v = Mail::DKIM::Verifier->new();
		$v->PRINT(to_crlf(slurp($path)));
		$v->CLOSE();
		my @sigs = $v->signatures;
		print "$path\t-\tnone\tno signatures\n" unless @sigs;
		my $i = 0;
		for my $s (@sigs) {
			my $d = $s->result_detail // '';
			$d =~ s/\s+/ /g;
			printf "%s\t%d\t%s\t%s\n", $path, $i++, $s->result, $d;
		}
	}
}

sub sign_one {
	my ($in, $out, $alg, $canon, $keyfile, $sel, $dom) = @_;
	my $data = slurp($in);
	my $nl = index($data, "\012");
	my $lf = $nl >= 0 && ($nl == 0 || substr($data, $nl - 1, 1) ne "\015");
	my $s = Mail::DKIM::Signer->new(Algorithm => $alg, Method => $canon,
	    Domain => $dom, Selector => $sel, KeyFile => $keyfile);
	$s->PRINT(to_crlf($data));
	$s->CLOSE();
	my $field = $s->signature->as_string . "\015\012";
	$field =~ s/\015\012/\012/g if $lf;
	open(my $fh, '>:raw', $out) or die "cannot write $out: $!\n";
	print $fh $field, $data;
	close($fh) or die "cannot write $out: $!\n";
}

my $cmd = shift @ARGV // '';
if ($cmd eq 'verify' && @ARGV >= 2) {
	verify(@ARGV);
} elsif ($cmd eq 'sign' && !@ARGV) {
	while (my $l = <STDIN>) {
		chomp $l;
		next if $l eq '';
		sign_one(split(/\t/, $l));
	}
} else {
	die "usage: mdkim_tool.pl verify DNS.tsv FILE... | sign < JOBS\n";
}
