//go:build !linux

package netlab

import (
	"context"
	"fmt"
	"net"
	"os/exec"
)

// On systems other than Linux there are no network namespaces, and every
// operation of the link says so.

var errNotLinux = fmt.Errorf("%w: it needs Linux network namespaces and a TUN device", ErrNoLink)

// EnvUserns: see the Linux version.
const EnvUserns = "NETLAB_USERNS"

// Link: see the Linux version.
type Link struct{ cfg Config }

func NewLink(Config) (*Link, error)                                    { return nil, errNotLinux }
func (l *Link) Config() Config                                         { return l.cfg }
func (l *Link) Stats() Stats                                           { return Stats{} }
func (l *Link) Dial(context.Context, string, string) (net.Conn, error) { return nil, errNotLinux }
func (l *Link) Listen(string, string) (net.Listener, error)            { return nil, errNotLinux }
func (l *Link) Start(*exec.Cmd) error                                  { return errNotLinux }
func (l *Link) StartClient(*exec.Cmd) error                            { return errNotLinux }
func (l *Link) Listening(uint16) (bool, error)                         { return false, errNotLinux }
func (l *Link) Net() (client, server NetInfo)                          { return NetInfo{}, NetInfo{} }
func (l *Link) Close()                                                 {}
func RerunInUserNamespace() (int, error)                               { return 0, errNotLinux }
