//go:build !linux

package netlab

import "os/exec"

// EnvNetns: see the Linux version.
const EnvNetns = "NETLAB_NETNS"

func RerunInNetns() (int, error)               { return 0, errNotLinux }
func LoopbackUp() error                        { return errNotLinux }
func PinProcess([]int) error                   { return errNotLinux }
func StartPinned(cmd *exec.Cmd, _ []int) error { return cmd.Start() }
func Affinity(int) ([]int, error)              { return nil, errNotLinux }

func LocalListening(uint16) (bool, error) { return false, errNotLinux }

func InNewNetns(f func()) error { f(); return nil }
