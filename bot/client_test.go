package bot

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request whose body comes through a pipe (as the client library builds its forms) goes
// with its length, not chunked, and whole.
func TestBotAPIRequestsGoWithTheirLength(t *testing.T) {
	t.Parallel()
	type seen struct {
		length  int64
		chunked bool
		body    string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{length: r.ContentLength, chunked: len(r.TransferEncoding) > 0, body: string(b)}
		_, _ = io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	defer srv.Close()
	pr, pw := io.Pipe()
	form := strings.Repeat("chat_id=7&text=hello&", 50)
	go func() {
		for _, part := range strings.SplitAfter(form, "&") {
			_, _ = io.WriteString(pw, part)
		}
		_ = pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/botTOKEN/sendMessage", pr)
	if err != nil {
		t.Fatal(err)
	}
	c := instrumentedClient{next: srv.Client(), m: NewMetrics()}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if s.chunked || s.length != int64(len(form)) || s.body != form {
		t.Fatalf("request went chunked=%v with length %d and %d bytes; want length %d, not chunked, whole", s.chunked, s.length, len(s.body), len(form))
	}
}
