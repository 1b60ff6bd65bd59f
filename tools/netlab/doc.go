// Package netlab is the book's network laboratory: a delayed link between
// two network namespaces on one Linux machine, with an optional bandwidth
// limit and packet capture, the timing loop that measures servers across
// it (Measure), and the same loop for any client program against any
// server program (MeasureClients), with which a chapter times its own
// clients, over TCP or UDP.
//
// The link joins a client namespace (ClientIP) and a server namespace
// (ServerIP) with two TUN devices. A forwarder goroutine per direction
// reads each IP packet from one device and writes it to the other RTT/2
// later, after a token bucket has let it through when a rate is set.
// Every packet, the handshake's included, crosses the link, so what is
// measured is the kernel's own TCP. Packets for ServerIP are rewritten to
// 127.0.0.1 on the way in (and back on the way out), so the book's servers,
// which listen on localhost, are measured unchanged.
//
// Creating the link needs root, or an unprivileged user namespace in which
// the program is root (RerunInUserNamespace). Everything else in the
// package (the token bucket, the forwarder loop, pcap files, metadata,
// least-squares fits with 95% intervals, results files) works anywhere.
//
// Besides the link, the package has the lab's own server (Serve: chapter
// 4's response, buffered or not, with Nagle's algorithm on or off), the
// packet-level count of a capture (TCPSegments, Exchanges), the idle-restart
// test (MeasureIdle), and the loopback tests: closed-loop load with the
// server's CPU per request (MeasureLoad), memory per idle connection
// (MeasureMemory) and TIME_WAIT by side (MeasureTimeWait).
//
// The command tools/netlab/cmd/netlab runs the measurements (netlab -h).
package netlab
