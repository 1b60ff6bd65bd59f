//go:build !linux

package netns

import (
	"errors"
	"syscall"
)

// Without Linux there are no network namespaces, and every operation says
// so.

var errNotLinux = errors.New("network namespaces need Linux")

func probe() error { return errNotLinux }

// Attr, Rerun, LoopbackUp, IfUp, Thread, Listening, WhoListens: see the
// Linux version.

func Attr() (*syscall.SysProcAttr, error) { return nil, errNotLinux }
func Rerun(string, bool) (int, error)     { return 0, errNotLinux }
func LoopbackUp() error                   { return errNotLinux }
func IfUp(string) error                   { return errNotLinux }

type Thread struct{}

func NewThread() (*Thread, error) { return nil, errNotLinux }
func (t *Thread) Run(f func())    { f() }
func (t *Thread) Close()          {}

func Listening(uint16) (bool, error) { return false, errNotLinux }

func WhoListens(uint16, int) (Who, error)   { return Nobody, errNotLinux }
func StatFields(int, int) ([]string, error) { return nil, errNotLinux }
