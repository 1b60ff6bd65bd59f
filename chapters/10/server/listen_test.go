// Tests for listenError (not part of the book's text): what a reader sees
// when another chapter's server, or anything else, still holds the
// chapter's address, from a port really taken (internal/servertest's).
// The server listens before it looks for its certificates, so a busy
// port makes none.
package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"tcpbook/internal/servertest"
)

func TestListenErrorAddressInUse(t *testing.T) { servertest.ListenErrorAddressInUse(t, listenError) }
func TestListenErrorOther(t *testing.T)        { servertest.ListenErrorOther(t, listenError) }

func TestAddressInUse(t *testing.T) {
	wd := servertest.AddressInUse(t, chapter.Dir, addr)
	if wd == "" {
		return // not run: no network namespace of its own
	}
	if _, err := os.Stat(filepath.Join(wd, certDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("with the port taken, the server made %s (%v); want nothing made", certDir, err)
	}
}

// TestAddressInUsePlain: the same with the plaintext address taken (the
// server listens on both before it looks for its certificates).
func TestAddressInUsePlain(t *testing.T) {
	wd := servertest.AddressInUse(t, chapter.Dir, plainAddr)
	if wd == "" {
		return // not run: no network namespace of its own
	}
	if _, err := os.Stat(filepath.Join(wd, certDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("with the port taken, the server made %s (%v); want nothing made", certDir, err)
	}
}
