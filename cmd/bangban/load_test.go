package main

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// loadRows are the result rows `bangban load` printed, by mode: the fields of each.
func loadRows(t *testing.T, out string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 14 && (f[0] == "polling" || f[0] == "webhook") {
			rows[f[0]] = f
		}
	}
	return rows
}

// `bangban load` drives its own serve, and with -binary the yardstick of tools/loadref, through
// every step of the reporters' reports in both modes; a -binary that is not there is named.
func TestLoadDrivesServeAndTheYardstick(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	ref := filepath.Join(t.TempDir(), "loadref")
	if out, err := exec.Command("go", "build", "-o", ref, "../../tools/loadref").CombinedOutput(); err != nil {
		t.Fatalf("go build loadref: %v\n%s", err, out)
	}
	for _, c := range []struct {
		name  string
		args  []string
		calls string // all Bot API calls a report
	}{
		{"bangban", nil, "13.0"},
		{"loadref", []string{"-binary", ref}, "13.0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, append([]string{"load", "-users", "2", "-modes", "polling,webhook", "-reports", "1", "-send-per-second", "1000"}, c.args...)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("load: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			rows := loadRows(t, stdout.String())
			for _, mode := range []string{"polling", "webhook"} {
				f := rows[mode]
				// mode users steps steps/s p50 p99 chat budget sent all serveCPU RSS driverCPU 429s
				if f == nil || f[1] != "2" || f[2] != fmt.Sprint(2*7) || f[9] != c.calls || f[13] != "0" {
					t.Errorf("%s: row %q; want 2 users, 14 steps, %s calls a report, no 429\n%s", mode, f, c.calls, stdout.String())
				}
			}
		})
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "load", "-binary", filepath.Join(t.TempDir(), "missing"))
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(stderr.String(), "-binary") || strings.Count(stderr.String(), "\n") != 1 {
		t.Fatalf("a missing -binary: %v, %q; want exit 2 and one line naming -binary", err, stderr.String())
	}
}
