package dialog

import (
	"strings"
	"testing"
)

// Whatever is stored under a session key (a bug, an old version, a hand edit), reading it
// never panics, and what it accepts is a complete session.
func FuzzDecodeState(f *testing.F) {
	good, _ := encodeState(&state{V: stateVersion, Dialog: "new", DV: 1, Step: "desc", ID: "abcdef", Seq: 3,
		Data: map[string]string{"kind": "land"}, Hist: []string{"kind"}})
	for _, s := range []string{string(good), "", "{}", "null", `{"v":1}`, `{"v":1,"d":"x","s":"y","id":"abcdef","q":-1}`,
		`{"v":1,"d":"x","s":"y","id":"abcdef","files":{"p":[{"ID":1}]}}`, `[1,2,3]`, `{"v":1e309}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeState(b)
		if err != nil {
			return
		}
		if st.V != stateVersion || st.Dialog == "" || st.Step == "" || len(st.ID) != idLen || st.Seq < 0 || st.Data == nil || st.Files == nil {
			t.Fatalf("accepted an incomplete session %+v from %q", st, b)
		}
		// What is accepted survives a round trip unchanged.
		again, err := encodeState(st)
		if err != nil {
			t.Fatal(err)
		}
		if st2, err := decodeState(again); err != nil || st2.Step != st.Step || st2.Seq != st.Seq || st2.ID != st.ID {
			t.Fatalf("round trip changed %+v into %+v (%v)", st, st2, err)
		}
	})
}

// Button data comes from the user's client and may be forged: parsing never panics, accepts
// only well-formed dialog buttons, and reads back exactly what a button would carry.
func FuzzParseButton(f *testing.F) {
	for _, s := range []string{"~trip|abcdef|3|ca", "~trip|abcdef|3|b", "~new|k3m9pq|12|cland", "~x|abcdef|0|k",
		"", "~", "~|||", "~trip|abc|3|ca", "~trip|abcdef|-1|ca", "~trip|abcdef|03|ca", "~trip|abcdef|3|bx", "sign:42",
		"~trip|abcdef|3|c" + strings.Repeat("v", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		b, ok := parseButton(data)
		if !ok {
			return
		}
		if len(data) > maxButtonBytes || b.Dialog == "" || len(b.ID) != idLen || b.Seq < 0 {
			t.Fatalf("accepted %q as %+v", data, b)
		}
		enc, fits := b.encode()
		if !fits || enc != data {
			t.Fatalf("%q parsed as %+v, which encodes as %q", data, b, enc)
		}
	})
}
