// Tests for listenError (not part of the book's text): what a reader sees
// when the book's address is already taken, from a port really taken.
// They are internal/servertest's; the message is chapter 2's, word for
// word.
package main

import (
	"testing"

	"tcpbook/internal/servertest"
)

func TestListenErrorAddressInUse(t *testing.T) { servertest.ListenErrorAddressInUse(t, listenError) }
func TestListenErrorOther(t *testing.T)        { servertest.ListenErrorOther(t, listenError) }
func TestAddressInUse(t *testing.T)            { servertest.AddressInUse(t, "chapters/05/httpserver", addr) }
