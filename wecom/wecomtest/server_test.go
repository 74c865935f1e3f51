package wecomtest

import (
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
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

// What a caller builds for a member to send carries what WeCom's would: a file its name and
// size, a picture and a location theirs; an upload keeps its file's name; and a message sent
// wakes whoever watches.
func TestTheMembersCallbacksCarryWhatTheyWouldSend(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddUser("zhao")
	id := s.AddMedia("plan.pdf", []byte("%PDF-1.4"))
	if s.MediaName(id) != "plan.pdf" || string(s.Media(id)) != "%PDF-1.4" {
		t.Fatalf("media %s: %q %q", id, s.MediaName(id), s.Media(id))
	}
	for _, tc := range []struct {
		cb   Callback
		want []string
	}{
		{s.File("zhao", id), []string{"<MsgType><![CDATA[file]]></MsgType>", "<FileName><![CDATA[plan.pdf]]></FileName>", "<FileSize>8</FileSize>", "<MediaId><![CDATA[" + id + "]]></MediaId>", "<MsgId>"}},
		{s.Image("zhao", id), []string{"<MsgType><![CDATA[image]]></MsgType>", "<MediaId><![CDATA[" + id + "]]></MediaId>"}},
		{s.Location("zhao", 34.5, 113.25, "county"), []string{"<Location_X>34.500000</Location_X>", "<Location_Y>113.250000</Location_Y>", "<Label><![CDATA[county]]></Label>"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.cb.XML, w) {
				t.Errorf("%s lacks %s", tc.cb.XML, w)
			}
		}
	}

	changed := s.Changed()
	tok := token(t, s)
	var body strings.Builder
	w := multipart.NewWriter(&body)
	f, _ := w.CreateFormFile("media", "ledger.xlsx")
	_, _ = f.Write([]byte("PK"))
	_ = w.Close()
	resp, err := http.Post(s.URL()+"/cgi-bin/media/upload?type=file&access_token="+tok, w.FormDataContentType(), strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	var up struct {
		MediaID string `json:"media_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&up)
	resp.Body.Close()
	if s.MediaName(up.MediaID) != "ledger.xlsx" {
		t.Fatalf("the upload's name: %q", s.MediaName(up.MediaID))
	}
	select {
	case <-changed:
		t.Fatal("woken by an upload, before anything was sent")
	default:
	}
	call(t, s, "/cgi-bin/message/send?access_token="+tok, map[string]any{"touser": "zhao", "msgtype": "file", "agentid": s.opts.AgentID,
		"file": map[string]string{"media_id": up.MediaID}})
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("a message sent woke no one")
	}
}
