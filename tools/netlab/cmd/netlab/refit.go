package main

import (
	"errors"
	"fmt"
	"os"

	"tcpbook/tools/netlab"
)

// refitCmd is netlab refit FILE...: fit the lines of latency and pipeline
// results again from the samples they hold, with today's method
// (netlab.FitMethod), and write each file back. Nothing is measured again.
func refitCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: netlab refit FILE [FILE ...]")
	}
	for _, name := range args {
		t, err := netlab.ReadFile(name)
		if err != nil {
			return err
		}
		r, ok := t.(interface{ Refit() })
		if !ok {
			fmt.Fprintf(os.Stderr, "%s: no fitted lines; left as it is\n", name)
			continue
		}
		r.Refit()
		if err := netlab.WriteJSON(name, t); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: refitted\n", name)
	}
	return nil
}
