// Tests for listenError (not part of the book's text): what a reader sees
// when the book's address is already taken, from a port really taken.
// They are internal/servertest's; the net/http server of chapter 5 and
// the keep-alive servers of chapters 4, 6, 7 and 8 print the same.
package main

import (
	"testing"

	"tcpbook/internal/servertest"
)

func TestListenErrorAddressInUse(t *testing.T) { servertest.ListenErrorAddressInUse(t, listenError) }
func TestListenErrorOther(t *testing.T)        { servertest.ListenErrorOther(t, listenError) }
func TestAddressInUse(t *testing.T)            { servertest.AddressInUse(t, "chapters/02", addr) }
