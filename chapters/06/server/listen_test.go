// Tests for listenError (not part of the book's text): what a reader sees
// when chapter 2's server, or anything else, still holds the book's
// address, from a port really taken. They are internal/servertest's.
package main

import (
	"testing"

	"tcpbook/internal/servertest"
)

func TestListenErrorAddressInUse(t *testing.T) { servertest.ListenErrorAddressInUse(t, listenError) }
func TestListenErrorOther(t *testing.T)        { servertest.ListenErrorOther(t, listenError) }
func TestAddressInUse(t *testing.T)            { servertest.AddressInUse(t, chapter.Dir, addr) }
