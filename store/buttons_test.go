package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bangban/bangban/store"
)

// No two buttons share a prefix, none holds the colon that ends it, and ButtonPrefixes lists
// every prefix buttons.go declares.
func TestButtonPrefixesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range store.ButtonPrefixes {
		if p == "" || strings.ContainsAny(p, ":~") || seen[p] {
			t.Errorf("button prefix %q is empty, holds a separator, or is used twice", p)
		}
		seen[p] = true
	}
	f, err := parser.ParseFile(token.NewFileSet(), "buttons.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && len(v.Values) == 1 && strings.HasSuffix(v.Names[0].Name, "Button") {
			if lit, ok := v.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				declared = append(declared, s)
			}
		}
		return true
	})
	slices.Sort(declared)
	listed := slices.Sorted(maps.Keys(seen))
	if !slices.Equal(declared, listed) {
		t.Fatalf("buttons.go declares %v, ButtonPrefixes lists %v", declared, listed)
	}
}
