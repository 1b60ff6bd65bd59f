package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"tcpbook/tools/netlab"
)

func TestParseTargets(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "server")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	got, err := parseTargets([]string{"ch04=" + exe, "ch02:new=" + exe, "h:keep=" + exe})
	if err != nil {
		t.Fatal(err)
	}
	want := []netlab.Target{
		{Name: "ch04", Exe: exe, Modes: []string{"new", "keep"}},
		{Name: "ch02", Exe: exe, Modes: []string{"new"}},
		{Name: "h", Exe: exe, Modes: []string{"keep"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseTargets = %+v, want %+v", got, want)
	}
	for _, bad := range [][]string{nil, {"ch04"}, {"=" + exe}, {"ch04:both=" + exe}, {"ch04=/no/such/file"}} {
		if _, err := parseTargets(bad); err == nil {
			t.Errorf("parseTargets(%q) gave no error", bad)
		}
	}
}

func TestParseRTTs(t *testing.T) {
	got, err := parseRTTs("0, 10ms,50ms")
	if want := []time.Duration{0, 10 * time.Millisecond, 50 * time.Millisecond}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parseRTTs = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"", "10", "-5ms", "10ms,,"} {
		if _, err := parseRTTs(bad); err == nil {
			t.Errorf("parseRTTs(%q) gave no error", bad)
		}
	}
}
