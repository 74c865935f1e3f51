package dialog_test

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// The engine knows nothing of cases: neither it nor anything it imports from this module
// imports the store, so that a second platform, or a dialog of another domain, can use it.
func TestTheEngineDoesNotImportTheStore(t *testing.T) {
	const module = "github.com/bangban/bangban/"
	seen := map[string]bool{}
	var walk func(path, dir string, from []string)
	walk = func(path, dir string, from []string) {
		if seen[path] {
			return
		}
		seen[path] = true
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range p.Imports {
			rel, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			chain := append(append([]string{}, from...), imp)
			if rel == "store" || strings.HasPrefix(rel, "store/") || rel == "conversations" {
				t.Errorf("the engine imports %s: %s", imp, strings.Join(chain, " → "))
			}
			walk(imp, filepath.Join("..", "..", filepath.FromSlash(rel)), chain)
		}
	}
	walk(module+"conversations/dialog", ".", []string{module + "conversations/dialog"})
	if len(seen) < 2 {
		t.Fatalf("walked only %v", seen)
	}
}
