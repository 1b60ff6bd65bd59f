// Package pcaptest checks capture files the way a reader opens them: with
// tcpdump. It serves the tests of internal/pcap and of netlab's link.
package pcaptest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tcpdump checks that tcpdump reads file, if tcpdump is here, as a
// LINKTYPE_RAW capture of wantPackets packets, one of them printed with
// want in its line. What tcpdump printed is logged (seen with -v or on a
// failure).
func Tcpdump(t *testing.T, file []byte, wantPackets int, want string) {
	t.Helper()
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Log("NOTICE: no tcpdump here, so the file is not read with tcpdump -r (apt-get install tcpdump)")
		return
	}
	name := filepath.Join(t.TempDir(), "test.pcap")
	if err := os.WriteFile(name, file, 0o666); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tcpdump, "-n", "-r", name)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != wantPackets || !strings.Contains(string(out), want) {
		t.Errorf("tcpdump -r printed %d lines, want %d with %q:\n%s", len(lines), wantPackets, want, out)
	}
	if !strings.Contains(stderr.String(), "RAW") {
		t.Errorf("tcpdump does not see LINKTYPE_RAW: %s", stderr.String())
	}
	t.Logf("tcpdump -r:\n%s%s", stderr.String(), out)
}
