package locales_test

import (
	"sort"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/bangban/bangban/locales"
)

// Both languages carry the same message IDs, none empty: a string added in one language only
// would reach half the users as a raw ID.
func TestLocalesHaveTheSameMessageIDs(t *testing.T) {
	sets := map[string]map[string]any{}
	for _, f := range locales.Files {
		var m map[string]any
		if _, err := toml.DecodeFS(locales.FS, f, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(m) == 0 {
			t.Fatalf("%s holds no messages", f)
		}
		for id, v := range m {
			if s, ok := v.(string); !ok || s == "" {
				t.Errorf("%s: message %q is empty or not a string", f, id)
			}
		}
		sets[f] = m
	}
	for _, a := range locales.Files {
		for _, b := range locales.Files {
			var missing []string
			for id := range sets[a] {
				if _, ok := sets[b][id]; !ok {
					missing = append(missing, id)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s lacks %v, which %s has", b, missing, a)
			}
		}
	}
}
