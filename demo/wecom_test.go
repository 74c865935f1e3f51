package demo_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/demo"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// wecomCallback is a callback the app was posted, decrypted.
type wecomCallback struct {
	FromUserName string `xml:"FromUserName"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MediaID      string `xml:"MediaId"`
	FileName     string `xml:"FileName"`
	LocationX    string `xml:"Location_X"`
	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	TaskID       string `xml:"TaskId"`
	ResponseCode string `xml:"ResponseCode"`
}

// wecomApp stands for the WeCom app: it takes the simulator's callbacks (checking they open
// with the app's key) and calls the simulator's API as the app does.
type wecomApp struct {
	t   *testing.T
	sim *wecomtest.Server
	mu  sync.Mutex
	got []wecomCallback
	tok string
}

func newWeComApp(t *testing.T, sim *wecomtest.Server) *wecomApp {
	a := &wecomApp{t: t, sim: sim}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct {
			Encrypt string `xml:"Encrypt"`
		}
		body, _ := io.ReadAll(r.Body)
		if xml.Unmarshal(body, &env) != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		plain, corp, err := wecomtest.Decrypt(sim.Options().AESKey, env.Encrypt)
		if err != nil || corp != sim.Options().CorpID {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		var cb wecomCallback
		_ = xml.Unmarshal(plain, &cb)
		a.mu.Lock()
		a.got = append(a.got, cb)
		a.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	sim.SetCallbackURL(srv.URL)
	resp, err := http.Get(sim.URL() + "/cgi-bin/gettoken?corpid=" + sim.Options().CorpID + "&corpsecret=" + sim.Options().Secret)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	a.tok = tok.AccessToken
	return a
}

// last is the latest callback the app was posted.
func (a *wecomApp) last() wecomCallback {
	a.t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.got) == 0 {
		a.t.Fatal("no callback")
	}
	return a.got[len(a.got)-1]
}

// call calls the simulator's API as the app; it fails unless WeCom took the call.
func (a *wecomApp) call(path string, body any) map[string]any {
	a.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(a.sim.URL()+"/cgi-bin/"+path+"?access_token="+a.tok, "application/json", bytes.NewReader(b))
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if out["errcode"].(float64) != 0 {
		a.t.Fatalf("%s: %v", path, out)
	}
	return out
}

func (a *wecomApp) send(to string, msg map[string]any) {
	a.t.Helper()
	msg["touser"], msg["agentid"] = to, a.sim.Options().AgentID
	a.call("message/send", msg)
}

// upload uploads content as temporary media under name, and returns its media id.
func (a *wecomApp) upload(name string, content []byte) string {
	a.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	f, _ := w.CreateFormFile("media", name)
	_, _ = f.Write(content)
	_ = w.Close()
	resp, err := http.Post(a.sim.URL()+"/cgi-bin/media/upload?type=file&access_token="+url.QueryEscape(a.tok), w.FormDataContentType(), &body)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		MediaID string `json:"media_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.MediaID
}

func newWeComDemo(t *testing.T) (*demo.Demo, *wecomApp, *httptest.Server) {
	t.Helper()
	sim := telegramtest.New()
	t.Cleanup(sim.Close)
	wsim := wecomtest.New(wecomtest.Options{})
	t.Cleanup(wsim.Close)
	clock := demo.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai), shanghai)
	st := storetest.NewStore(t, store.Options{Location: shanghai, Now: clock.Now})
	d, err := demo.New(demo.Options{Sim: sim, WeCom: wsim, Store: st, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	for _, p := range demo.Personas() {
		if p.WeCom != "" {
			wsim.AddUser(p.WeCom)
		}
	}
	return d, newWeComApp(t, wsim), srv
}

func postJSON(t *testing.T, srv *httptest.Server, path string, body any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A phone put on WeCom shows its person's chat with the app as WeCom does: what they typed
// among the app's messages in the order sent, a template card with its buttons, pressed and
// then updated to the choice, a numbered list answered by a typed number, and pictures and
// files; and what they do goes to the app as WeCom's callbacks.
func TestAWeComPhoneShowsItsChatAsWeComDoes(t *testing.T) {
	t.Parallel()
	d, app, srv := newWeComDemo(t)
	const cadre = 1
	user := demo.Personas()[cadre].WeCom
	if code := postJSON(t, srv, "/api/platform", map[string]any{"phone": cadre, "platform": "wecom"}); code != http.StatusOK {
		t.Fatalf("put on WeCom: %d", code)
	}
	if st := d.State(); st.Personas[cadre].Platform != demo.PlatformWeCom || !st.Personas[cadre].WeCom {
		t.Fatalf("the frame: %+v", st.Personas[cadre])
	}

	if err := d.SendText(cadre, "<b>/inbox</b>"); err != nil {
		t.Fatal(err)
	}
	if cb := app.last(); cb.FromUserName != user || cb.MsgType != "text" || cb.Content != "<b>/inbox</b>" {
		t.Fatalf("the text's callback: %+v", cb)
	}
	app.send(user, map[string]any{"msgtype": "template_card", "template_card": map[string]any{"card_type": "button_interaction",
		"main_title": map[string]string{"title": "DB-2026-0001"}, "sub_title_text": "Transformer too small", "task_id": "bb41",
		"button_list": []map[string]string{{"text": "Sign", "key": "sign"}, {"text": "Transfer", "key": "move"}}}})
	list := "1. Power\n2. Land\n3. Water\n4. Gas\n5. Roads\n6. Permits\n7. Other\nReply with the number of your choice."
	app.send(user, map[string]any{"msgtype": "text", "text": map[string]string{"content": list}})

	v, err := d.Phone(cadre)
	if err != nil {
		t.Fatal(err)
	}
	if v.Persona.Platform != demo.PlatformWeCom || len(v.Messages) != 3 {
		t.Fatalf("the phone: %+v", v)
	}
	m := v.Messages
	if !m[0].Mine || m[0].Text != "<b>/inbox</b>" {
		t.Errorf("the person's text: %+v", m[0])
	}
	c := m[1].Card
	if c == nil || c.TaskID != "bb41" || c.Title != "DB-2026-0001" || c.Text != "Transformer too small" || len(c.Buttons) != 2 ||
		c.Buttons[1] != (demo.CardButton{Text: "Transfer", Key: "move"}) || c.Pressed != "" || c.Replaced != "" {
		t.Errorf("the card: %+v", c)
	}
	if m[2].Mine || m[2].Text != list || m[2].Card != nil {
		t.Errorf("the numbered list: %+v", m[2])
	}

	// A press goes as WeCom's template_card_event; the card then waits with the choice marked,
	// offers nothing more, and shows the app's update.
	if code := postJSON(t, srv, "/api/press", map[string]any{"phone": cadre, "task_id": "bb41", "key": "sign"}); code != http.StatusOK {
		t.Fatalf("the press: %d", code)
	}
	press := app.last()
	if press.MsgType != "event" || press.Event != "template_card_event" || press.TaskID != "bb41" || press.EventKey != "sign" || press.ResponseCode == "" {
		t.Fatalf("the press's callback: %+v", press)
	}
	v, _ = d.Phone(cadre)
	if c := v.Messages[1].Card; c.Pressed != "sign" || c.Replaced != "" {
		t.Errorf("the card pressed: %+v", c)
	}
	for _, again := range []map[string]any{{"phone": cadre, "task_id": "bb41", "key": "move"}, {"phone": cadre, "task_id": "bb99", "key": "sign"},
		{"phone": cadre, "message_id": 1, "data": "sign"}} {
		if code := postJSON(t, srv, "/api/press", again); code != http.StatusBadRequest {
			t.Errorf("a press the card does not offer %v: %d", again, code)
		}
	}
	app.call("message/update_template_card", map[string]any{"userids": []string{user}, "agentid": app.sim.Options().AgentID,
		"response_code": press.ResponseCode, "button": map[string]string{"replace_name": "✔ Signed"}})
	v, _ = d.Phone(cadre)
	if c := v.Messages[1].Card; c.Pressed != "sign" || c.Replaced != "✔ Signed" {
		t.Errorf("the card updated: %+v", c)
	}

	// The numbered list is answered by typing the number, shown after the list.
	if err := d.SendText(cadre, "2"); err != nil {
		t.Fatal(err)
	}
	if cb := app.last(); cb.MsgType != "text" || cb.Content != "2" {
		t.Fatalf("the number's callback: %+v", cb)
	}
	// A picture and a file from the app, then the person's own.
	sample, _ := os.ReadFile("web/sample.png")
	app.send(user, map[string]any{"msgtype": "image", "image": map[string]string{"media_id": app.upload("chart.png", sample)}})
	app.send(user, map[string]any{"msgtype": "file", "file": map[string]string{"media_id": app.upload("ledger.xlsx", []byte("PK\x03\x04 a workbook"))}})
	if err := d.SendPhoto(cadre, "ignored: WeCom pictures have no caption", nil); err != nil {
		t.Fatal(err)
	}
	if cb := app.last(); cb.MsgType != "image" || !bytes.Equal(app.sim.Media(cb.MediaID), sample) {
		t.Fatalf("the photo's callback: %+v", cb)
	}
	if err := d.SendFile(cadre, "/home/someone/plan.pdf", "", []byte("%PDF-1.4\n")); err != nil {
		t.Fatal(err)
	}
	if cb := app.last(); cb.MsgType != "file" || cb.FileName != "plan.pdf" || string(app.sim.Media(cb.MediaID)) != "%PDF-1.4\n" {
		t.Fatalf("the file's callback: %+v", cb)
	}
	if err := d.SendLocation(cadre); err != nil {
		t.Fatal(err)
	}
	if cb := app.last(); cb.MsgType != "location" || !strings.HasPrefix(cb.LocationX, "34.7466") {
		t.Fatalf("the location's callback: %+v", cb)
	}

	v, _ = d.Phone(cadre)
	m = v.Messages
	if len(m) != 9 {
		t.Fatalf("%d messages: %+v", len(m), m)
	}
	if !m[3].Mine || m[3].Text != "2" {
		t.Errorf("the typed number: %+v", m[3])
	}
	if m[4].Mine || m[4].Photo == "" || m[5].Mine || m[5].Document == "" || m[5].FileName != "ledger.xlsx" {
		t.Errorf("the app's picture and file: %+v %+v", m[4], m[5])
	}
	if !m[6].Mine || m[6].Photo == "" || m[6].Caption != "" || !m[7].Mine || m[7].FileName != "plan.pdf" ||
		!m[8].Mine || m[8].Location == nil || *m[8].Location != demo.DemoLocation {
		t.Errorf("the person's picture, file and location: %+v", m[6:])
	}
	for i := 1; i < len(m); i++ {
		if m[i].ID <= m[i-1].ID {
			t.Errorf("messages out of order: %d after %d", m[i].ID, m[i-1].ID)
		}
	}
	// The files come from WeCom's store: the picture as itself, the file under its name.
	for _, f := range []struct {
		id, query, ct string
		want          []byte
	}{{m[4].Photo, "", "image/png", sample}, {m[5].Document, "?name=ledger.xlsx", "application/zip", []byte("PK\x03\x04 a workbook")},
		{m[6].Photo, "", "image/png", sample}} {
		resp, err := http.Get(srv.URL + "/api/file/" + url.PathEscape(f.id) + f.query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, f.want) || !strings.HasPrefix(resp.Header.Get("Content-Type"), f.ct) {
			t.Errorf("%s: %d %s", f.id, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	// Back on Telegram, the phone shows the Telegram chat: nothing was sent there.
	if err := d.SetPlatform(context.Background(), cadre, demo.PlatformTelegram); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Phone(cadre); v.Persona.Platform != demo.PlatformTelegram || len(v.Messages) != 0 {
		t.Fatalf("the cadre on Telegram: %+v", v)
	}
}

// Only the demo's WeCom members are put on WeCom, and only on the platforms there are.
func TestOnlyWeComMembersGoOnWeCom(t *testing.T) {
	t.Parallel()
	d, _, srv := newWeComDemo(t)
	if code := postJSON(t, srv, "/api/person", map[string]any{"phone": 2, "persona": "village"}); code != http.StatusOK {
		t.Fatal(code)
	}
	for _, tc := range []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"phone": 2, "platform": "wecom"}, http.StatusBadRequest}, // the village secretary is on Telegram only
		{map[string]any{"phone": 0, "platform": "fax"}, http.StatusBadRequest},
		{map[string]any{"phone": 5, "platform": "wecom"}, http.StatusBadRequest},
		{map[string]any{"phone": 0, "platform": "wecom"}, http.StatusOK},
	} {
		if code := postJSON(t, srv, "/api/platform", tc.body); code != tc.want {
			t.Errorf("%v: %d, want %d", tc.body, code, tc.want)
		}
	}
	if st := d.State(); st.Personas[0].Platform != demo.PlatformWeCom || st.Personas[3].Platform != demo.PlatformTelegram || st.Personas[3].WeCom {
		t.Fatalf("the frame: %+v", st.Personas)
	}
	// A demo without WeCom puts no one there.
	plain, _, _ := newDemo(t)
	if err := plain.SetPlatform(context.Background(), 0, demo.PlatformWeCom); err == nil {
		t.Fatal("put on WeCom without a WeCom simulator")
	}
	if st := plain.State(); st.Personas[0].WeCom {
		t.Fatalf("a WeCom member without WeCom: %+v", st.Personas[0])
	}
}

// The page's stream of events shows what the WeCom app sends as it sends it.
func TestTheEventStreamFollowsWeCom(t *testing.T) {
	t.Parallel()
	d, app, srv := newWeComDemo(t)
	if err := d.SetPlatform(context.Background(), 2, demo.PlatformWeCom); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	next := func(want func(demo.PhoneView) bool) bool {
		for lines.Scan() {
			data, ok := strings.CutPrefix(lines.Text(), "data: ")
			var v demo.PhoneView
			if ok && json.Unmarshal([]byte(data), &v) == nil && v.Phone == 2 && want(v) {
				return true
			}
		}
		return false
	}
	if !next(func(v demo.PhoneView) bool { return v.Persona.Platform == demo.PlatformWeCom }) {
		t.Fatal("the stream did not show the office on WeCom")
	}
	// Sent once the stream waits: only the simulator's news wakes it before its 20 s comment.
	app.send(demo.Personas()[2].WeCom, map[string]any{"msgtype": "template_card", "template_card": map[string]any{
		"card_type": "button_interaction", "sub_title_text": "DB-2026-0002", "task_id": "bb7",
		"button_list": []map[string]string{{"text": "OK", "key": "ok"}}}})
	if !next(func(v demo.PhoneView) bool {
		return len(v.Messages) == 1 && v.Messages[0].Card != nil && v.Messages[0].Card.TaskID == "bb7"
	}) {
		t.Fatalf("the stream did not show the card: %v", ctx.Err())
	}
}
