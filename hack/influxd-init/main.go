// Command influxd-init is the first-start initialisation of the official
// influxdb:1.x image (its entrypoint.sh + init-influxdb.sh), rewritten as one
// static program so a test-only image can hold nothing but it and influxd: no
// shell, no influx CLI. It exists for tests only; the Helm chart runs the
// official image, and this program must behave like that image's script for
// the environment variables the chart sets (see settings.go).
//
// Usage: influxd-init [influxd] [influxd arguments...]
//
// A leading "influxd" argument is dropped, so the image can keep the official
// image's CMD ["influxd"].
//
// On the first start (the meta directory is missing or empty) and when there
// is something to initialise, it starts a temporary influxd with the same
// arguments and data directories, bound to 127.0.0.1 only, creates the admin
// (auth stays as configured: InfluxDB accepts one unauthenticated CREATE USER
// while no user exists, exactly what the official script relies on),
// the database and the users, runs the *.iql files of the init directory,
// stops that server, and then replaces itself with the real influxd
// (syscall.Exec, so influxd is PID 1 and gets the container's signals).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "influxd-init: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "influxd" {
		args = args[1:]
	}
	influxd, err := exec.LookPath("influxd")
	if err != nil {
		return fmt.Errorf("influxd not found on PATH: %w", err)
	}
	s, err := loadSettings(args)
	if err != nil {
		return err
	}
	fresh, err := isFirstStart(s.metaDir)
	if err != nil {
		return err
	}
	if fresh && s.hasWork() {
		logf("first start (meta dir %s missing or empty): initialising on 127.0.0.1:%d", s.metaDir, s.initPort)
		if err := initialise(influxd, args, s); err != nil {
			return err
		}
		logf("initialisation done")
	}
	argv := append([]string{influxd}, args...)
	if err := syscall.Exec(influxd, argv, os.Environ()); err != nil {
		return fmt.Errorf("exec %s: %w", influxd, err)
	}
	return nil
}

// isFirstStart: the official script initialises only when the meta dir does
// not exist yet; an empty one (a pre-created mount point) counts as fresh too.
func isFirstStart(metaDir string) (bool, error) {
	entries, err := os.ReadDir(metaDir)
	if os.IsNotExist(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading meta dir %s: %w", metaDir, err)
	}
	return len(entries) == 0, nil
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "influxd-init: "+format+"\n", a...)
}
