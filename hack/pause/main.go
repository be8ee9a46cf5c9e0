// Command pause is the pod sandbox's first process: it holds the pod's
// namespaces open and does nothing else. Kubernetes ships its own pause image
// on a registry this environment cannot reach, so the test node builds this
// one instead and sets it as containerd's sandbox image.
//
// As PID 1 of a pod that shares its process namespace it must reap orphaned
// children, and it must exit promptly on SIGINT or SIGTERM.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		os.Stdout.WriteString("shelfpulse pause\n")
		return
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		reapChildren()
	}
}

// reapChildren collects every exited child without blocking.
func reapChildren() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
