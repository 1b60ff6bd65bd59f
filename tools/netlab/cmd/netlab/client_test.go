package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// netlab client refuses, before it measures anything, a missing or
// unbuilt server, a client with a way of connecting, and a bad -ready.
func TestClientCmdArgs(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "prog")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"c=" + exe}, "-server"},
		{[]string{"-server", "/no/such/server", "c=" + exe}, "/no/such/server"},
		{[]string{"-server", exe, "c:new=" + exe}, "without :new or :keep"},
		{[]string{"-server", exe, "-ready", "(", "c=" + exe}, "-ready"},
		{[]string{"-server", exe}, "at least one client"},
	} {
		if err := clientCmd(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("netlab client %q: %v, want an error about %q", tc.args, err, tc.want)
		}
	}
}
