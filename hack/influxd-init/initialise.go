package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// initialise runs a temporary influxd on 127.0.0.1 with the same arguments
// and data directories, applies the init steps, and stops it again.
func initialise(influxd string, args []string, s settings) (err error) {
	server, err := startInitServer(influxd, args, s.initPort)
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := server.stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	if err := server.waitReady(newClient(s.initPort, account{})); err != nil {
		return err
	}
	return applyInit(s)
}

// applyInit: the statements of the official script, in its order.
func applyInit(s settings) error {
	anonymous := newClient(s.initPort, account{})
	createDB := "CREATE DATABASE " + ident(s.db)
	if s.dbRetention != "" {
		createDB += " " + s.dbRetention
	}
	as := anonymous
	if s.initUsers() {
		// With auth on and no user yet, InfluxDB accepts this one unauthenticated statement.
		q := fmt.Sprintf("CREATE USER %s WITH PASSWORD %s WITH ALL PRIVILEGES", ident(s.admin.user), literal(s.admin.password))
		if err := anonymous.exec(fmt.Sprintf("creating admin %q", s.admin.user), q); err != nil {
			return err
		}
		as = newClient(s.initPort, s.admin)
		if s.db != "" {
			if err := as.exec(fmt.Sprintf("creating database %q", s.db), createDB); err != nil {
				return err
			}
		}
		for _, u := range []struct {
			account
			privilege string
		}{{s.all, "ALL"}, {s.writer, "WRITE"}, {s.reader, "READ"}} {
			if err := createUser(as, u.account, u.privilege, s.db); err != nil {
				return err
			}
		}
	} else if s.db != "" {
		if err := anonymous.exec(fmt.Sprintf("creating database %q", s.db), createDB); err != nil {
			return err
		}
	}
	return runInitdb(as, s.initdbDir)
}

// createUser creates a non-admin user with only `privilege` on db (none
// without a db), as the script's CREATE USER, REVOKE ALL, GRANT.
func createUser(as client, u account, privilege, db string) error {
	if u.user == "" {
		return nil
	}
	what := fmt.Sprintf("creating user %q with %s", u.user, privilege)
	q := fmt.Sprintf("CREATE USER %s WITH PASSWORD %s; REVOKE ALL PRIVILEGES FROM %s", ident(u.user), literal(u.password), ident(u.user))
	if db != "" {
		q += fmt.Sprintf("; GRANT %s ON %s TO %s", privilege, ident(db), ident(u.user))
	}
	return as.exec(what, q)
}

// runInitdb runs each *.iql file's content as one query batch. The script
// sources *.sh files; this image has no shell, so they are an error rather
// than silently skipped. Other files are ignored, as by the script.
func runInitdb(as client, dir string) error {
	files, err := initdbFiles(dir)
	if err != nil {
		return err
	}
	for _, f := range files {
		switch filepath.Ext(f) {
		case ".iql":
			logf("running %s", f)
			content, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("reading %s: %w", f, err)
			}
			if strings.TrimSpace(string(content)) == "" {
				continue
			}
			if err := as.exec(f, string(content)); err != nil {
				return err
			}
		case ".sh":
			return fmt.Errorf("%s: shell scripts in the init dir are not supported (no shell in this image); use .iql", f)
		default:
			logf("ignoring %s", f)
		}
	}
	return nil
}

type initServer struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the process's exit, valid once exited is closed
}

func startInitServer(influxd string, args []string, port int) (*initServer, error) {
	// Pdeathsig fires when the forking OS thread ends; keep the fork on this
	// goroutine's thread, which lives until exec or exit.
	runtime.LockOSThread()
	cmd := exec.Command(influxd, args...)
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("INFLUXDB_HTTP_BIND_ADDRESS=127.0.0.1:%d", port),
		"INFLUXDB_HTTP_HTTPS_ENABLED=false",
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// If this program dies, the kernel stops the temporary server too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the init influxd: %w", err)
	}
	s := &initServer{cmd: cmd, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

func (s *initServer) waitReady(c client) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("the init influxd exited during start-up: %v", s.err)
		default:
		}
		if c.ping() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the init influxd did not answer %s/ping within %s", c.baseURL, startTimeout)
}

// stop ends the temporary server (SIGTERM, SIGKILL after stopTimeout) and
// waits, so the real server finds the port and the meta lock free.
func (s *initServer) stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("the init influxd exited before it was stopped: %v", s.err)
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping the init influxd: %w", err)
	}
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("the init influxd did not stop within %s after SIGTERM", stopTimeout)
	}
	if s.err != nil {
		return fmt.Errorf("the init influxd failed while stopping: %w", s.err)
	}
	return nil
}
