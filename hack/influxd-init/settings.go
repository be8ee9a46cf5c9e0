package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// settings is the environment contract of the official image's init script,
// plus INFLUXDB_INIT_PORT and INFLUXDB_INITDB_DIR so tests can run it beside
// other servers and without root.
type settings struct {
	authEnabled bool
	metaDir     string // INFLUXDB_META_DIR, influxd's own setting
	initPort    int    // INFLUXDB_INIT_PORT: the temporary server's port on 127.0.0.1
	initdbDir   string // INFLUXDB_INITDB_DIR: *.iql files run as the admin, in name order
	db          string // INFLUXDB_DB
	dbRetention string // INFLUXDB_DB_RETENTION_POLICY: appended to CREATE DATABASE
	admin       account
	all         account // INFLUXDB_USER: ALL on the database
	writer      account // INFLUXDB_WRITE_USER: WRITE on the database
	reader      account // INFLUXDB_READ_USER: READ on the database
}

type account struct{ user, password string }

// hasWork mirrors the script's guard: users (auth on and an admin named), a
// database, or a non-empty init directory.
func (s settings) hasWork() bool {
	return s.initUsers() || s.db != "" || dirHasEntries(s.initdbDir)
}

// initUsers: like the official script, users are created only with auth on.
func (s settings) initUsers() bool { return s.authEnabled && s.admin.user != "" }

func loadSettings(args []string) (settings, error) {
	s := settings{
		metaDir:     envOr("INFLUXDB_META_DIR", "/var/lib/influxdb/meta"),
		initdbDir:   envOr("INFLUXDB_INITDB_DIR", "/docker-entrypoint-initdb.d"),
		db:          os.Getenv("INFLUXDB_DB"),
		dbRetention: os.Getenv("INFLUXDB_DB_RETENTION_POLICY"),
	}
	port, err := strconv.Atoi(envOr("INFLUXDB_INIT_PORT", "8086"))
	if err != nil || port < 1 || port > 65535 {
		return s, fmt.Errorf("INFLUXDB_INIT_PORT must be a TCP port (1-65535), got %q", os.Getenv("INFLUXDB_INIT_PORT"))
	}
	s.initPort = port
	if s.authEnabled, err = authEnabled(args); err != nil {
		return s, err
	}
	// The official script generates and prints a random password when one is
	// missing; printing secrets to the log is not secure, so a missing
	// password is an error instead.
	for _, a := range []struct {
		target               *account
		userVar, passwordVar string
	}{
		{&s.admin, "INFLUXDB_ADMIN_USER", "INFLUXDB_ADMIN_PASSWORD"},
		{&s.all, "INFLUXDB_USER", "INFLUXDB_USER_PASSWORD"},
		{&s.writer, "INFLUXDB_WRITE_USER", "INFLUXDB_WRITE_USER_PASSWORD"},
		{&s.reader, "INFLUXDB_READ_USER", "INFLUXDB_READ_USER_PASSWORD"},
	} {
		*a.target = account{user: os.Getenv(a.userVar), password: os.Getenv(a.passwordVar)}
		if a.target.user != "" && a.target.password == "" {
			return s, fmt.Errorf("%s is set but %s is empty: every user needs a password", a.userVar, a.passwordVar)
		}
	}
	return s, nil
}

var authLine = regexp.MustCompile(`(?i)^\s*auth-enabled\s*=\s*true`)

// authEnabled: INFLUXDB_HTTP_AUTH_ENABLED if set (true when it contains
// "true", as the script's grep), else an `auth-enabled = true` line in the
// config file influxd will read.
func authEnabled(args []string) (bool, error) {
	if v, ok := os.LookupEnv("INFLUXDB_HTTP_AUTH_ENABLED"); ok && v != "" {
		return strings.Contains(strings.ToLower(v), "true"), nil
	}
	path := configPath(args)
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading config %s for auth-enabled: %w", path, err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if authLine.MatchString(lines.Text()) {
			return true, nil
		}
	}
	return false, lines.Err()
}

// configPath: influxd's -config flag, else INFLUXDB_CONFIG_PATH, else the image's file.
func configPath(args []string) string {
	for i, arg := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || name != "config" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return envOr("INFLUXDB_CONFIG_PATH", "/etc/influxdb/influxdb.conf")
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func dirHasEntries(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}

// initdbFiles: the directory's entries in name order (the shell glob's order).
func initdbFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading init dir %s: %w", dir, err)
	}
	files := make([]string, 0, len(entries))
	for _, e := range entries {
		files = append(files, filepath.Join(dir, e.Name()))
	}
	return files, nil
}
