// Tests for the bomb's listenError (not part of the book's text): on a
// busy address it explains, as the chapter's servers do, instead of
// printing the raw bind error. They are internal/servertest's.
package main

import (
	"testing"

	"tcpbook/internal/servertest"
)

func TestListenErrorAddressInUse(t *testing.T) { servertest.ListenErrorAddressInUse(t, listenError) }
func TestAddressInUse(t *testing.T)            { servertest.AddressInUse(t, "chapters/06/bomb", addr) }
