package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client sends InfluxQL to the temporary server, as the official script does
// with `influx -execute`; a zero account sends no credentials.
type client struct {
	baseURL string
	as      account
	http    *http.Client
}

func newClient(port int, as account) client {
	return client{
		baseURL: fmt.Sprintf("http://127.0.0.1:%d", port),
		as:      as,
		http:    &http.Client{Timeout: 30 * time.Second},
	}
}

// exec runs one query batch. `what` names it in errors instead of the query
// text, which may hold a password.
func (c client) exec(what, query string) error {
	req, err := http.NewRequest(http.MethodPost, c.baseURL+"/query", strings.NewReader(url.Values{"q": {query}}.Encode()))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.as.user != "" {
		req.SetBasicAuth(c.as.user, c.as.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", what, err)
	}
	var answer struct {
		Error   string `json:"error"`
		Results []struct {
			Error string `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return fmt.Errorf("%s: HTTP %d, not InfluxDB's JSON: %.200s", what, resp.StatusCode, body)
	}
	if answer.Error != "" {
		return fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, answer.Error)
	}
	for i, r := range answer.Results {
		if r.Error != "" {
			return fmt.Errorf("%s: statement %d: %s", what, i+1, r.Error)
		}
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", what, resp.StatusCode)
	}
	return nil
}

// ping is true once the server answers /ping.
func (c client) ping() bool {
	resp, err := c.http.Get(c.baseURL + "/ping")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusNoContent
}

// ident quotes an InfluxQL identifier; quoting also keeps names with spaces
// or keywords working, which the script's unquoted CREATE DATABASE does not.
func ident(name string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

// literal quotes an InfluxQL string (a password).
func literal(value string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + `'`
}
