//go:build tools

// Package tools pins the influxd main package this module builds.
package tools

import _ "github.com/influxdata/influxdb/cmd/influxd"
