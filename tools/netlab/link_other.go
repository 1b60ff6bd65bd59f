//go:build !linux

package netlab

import (
	"fmt"
	"os"
	"os/exec"
)

// On systems other than Linux there are no network namespaces and no TUN
// devices: the link cannot be created (NewLink says so), and what needs
// Linux itself says so too.

var errNotLinux = fmt.Errorf("%w: it needs Linux network namespaces and a TUN device", ErrNoLink)

func setup(string, string, bool, map[string]string) (*os.File, error) { return nil, errNotLinux }
func PinProcess([]int) error                                          { return errNotLinux }
func StartPinned(cmd *exec.Cmd, _ []int) error                        { return cmd.Start() }
func Affinity(int) ([]int, error)                                     { return nil, errNotLinux }
