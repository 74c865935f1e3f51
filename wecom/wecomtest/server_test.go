package wecomtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func call(t *testing.T, s *Server, path string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(s.URL()+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	resp, err := http.Get(s.URL() + "/cgi-bin/gettoken?corpid=" + s.opts.CorpID + "&corpsecret=" + s.opts.Secret)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.AccessToken
}

// The simulator refuses what WeCom refuses: a token never issued or expired, a member it does
// not know, a text over 2048 bytes; what it takes it records.
func TestTheSimulatorRefusesWhatWeComRefuses(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddUser("zhao")
	text := func(to, content string) map[string]any {
		return map[string]any{"touser": to, "msgtype": "text", "agentid": s.opts.AgentID, "text": map[string]string{"content": content}}
	}
	code := func(m map[string]any) int { return int(m["errcode"].(float64)) }
	if got := code(call(t, s, "/cgi-bin/message/send?access_token=forged", text("zhao", "hi"))); got != CodeInvalidToken {
		t.Fatalf("forged token: %d", got)
	}
	tok := token(t, s)
	path := "/cgi-bin/message/send?access_token=" + tok
	for _, c := range []struct {
		body map[string]any
		want int
	}{
		{text("nobody", "hi"), CodeInvalidUser},
		{text("zhao", strings.Repeat("字", 683)), CodeContentTooLong}, // 2049 bytes
		{text("zhao", strings.Repeat("字", 682)+"ab"), 0},             // 2048 bytes
	} {
		if got := code(call(t, s, path, c.body)); got != c.want {
			t.Fatalf("errcode %d, want %d", got, c.want)
		}
	}
	s.ExpireTokens()
	if got := code(call(t, s, path, text("zhao", "hi"))); got != CodeTokenExpired {
		t.Fatalf("expired token: %d", got)
	}
	if m := s.Messages("zhao"); len(m) != 1 || len(m[0].Text) != 2048 {
		t.Fatalf("recorded %+v", m)
	}
}
