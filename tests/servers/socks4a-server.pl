#!/usr/bin/perl
# socks4a-server.pl PORT - a SOCKS4/SOCKS4a server on 127.0.0.1:PORT for the proxy tests.
#
# Dante (the suite's SOCKS server) answers SOCKS4a requests with 91, so SOCKS4a is tested against the
# SOCKS server of Debian's IO::Socket::Socks (libio-socket-socks-perl). This script only relays bytes;
# the protocol (request parsing, replies) is the library's. The proxy itself resolves the name it is
# sent, as a SOCKS4a proxy does. One process per client; stopped with its process group.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Socket::Socks qw(:constants $SOCKS_ERROR);
use IO::Select;

my $port = shift or die "usage: $0 PORT\n";
$SIG{CHLD} = 'IGNORE';  # children are reaped by the kernel

my $server = IO::Socket::Socks->new(
  ProxyAddr    => '127.0.0.1',
  ProxyPort    => $port,
  Listen       => 20,
  ReuseAddr    => 1,
  SocksVersion => 4,
  SocksResolve => 1,  # SOCKS4: accept the SOCKS4a extension (a name instead of an address)
) or die "socks4a-server: cannot listen on 127.0.0.1:$port: $SOCKS_ERROR\n";
$| = 1;
print "socks4a-server: listening on 127.0.0.1:$port\n";

while (1) {
  my $client = $server->accept() or next;  # the SOCKS request is read by accept()
  my $pid = fork();
  next if !defined $pid;
  if ($pid) { $client->close(); next; }
  $server->close();
  serve($client);
  exit 0;
}

sub serve {
  my ($client) = @_;
  my $command = $client->command() or return;
  my ($cmd, $host, $target_port) = @$command;
  if ($cmd != CMD_CONNECT) {
    $client->command_reply(REQUEST_FAILED, '0.0.0.0', 0);
    return;
  }
  my $upstream = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $target_port, Proto => 'tcp', Timeout => 10);
  if (!$upstream) {
    $client->command_reply(REQUEST_FAILED, '0.0.0.0', 0);
    return;
  }
  $client->command_reply(REQUEST_GRANTED, $upstream->sockhost, $upstream->sockport);
  my $select = IO::Select->new($client, $upstream);
  while (my @ready = $select->can_read()) {
    for my $from (@ready) {
      my $to = $from == $client ? $upstream : $client;
      my $n = sysread($from, my $buffer, 65536);
      return if !$n;
      my $off = 0;
      while ($off < $n) {
        my $w = syswrite($to, $buffer, $n - $off, $off);
        return if !defined $w;
        $off += $w;
      }
    }
  }
}
