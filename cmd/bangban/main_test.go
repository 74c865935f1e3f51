package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/bangban/bangban/store/storetest"
)

// TestMain gives the `bangban serve` processes the tests start (which inherit this process's
// environment) a files directory of their own, rather than ./files in the source tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bangban-test-files")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("BANGBAN_FILES_DIR", dir)
	code := storetest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}
