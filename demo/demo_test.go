package demo_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/demo"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// botCall calls the simulator's Bot API as the bot would, and returns the result.
func botCall(t *testing.T, sim *telegramtest.Server, method string, params map[string]any) json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(params)
	resp, err := http.Post(sim.URL()+"/bot1:TEST/"+method, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK {
		t.Fatalf("%s: %v %s", method, err, out.Description)
	}
	return out.Result
}

// upload sends a document as the bot uploads one: a multipart form with the file's name.
func upload(t *testing.T, sim *telegramtest.Server, chat int64, name string, content []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("chat_id", fmt.Sprint(chat))
	f, _ := w.CreateFormFile("document", name)
	_, _ = f.Write(content)
	_ = w.Close()
	resp, err := http.Post(sim.URL()+"/bot1:TEST/sendDocument", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sendDocument: %d", resp.StatusCode)
	}
}

func newDemo(t *testing.T) (*demo.Demo, *telegramtest.Server, *httptest.Server) {
	t.Helper()
	sim := telegramtest.New()
	t.Cleanup(sim.Close)
	clock := demo.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai), shanghai)
	st := storetest.NewStore(t, store.Options{Location: shanghai, Now: clock.Now})
	d, err := demo.New(demo.Options{Sim: sim, Store: st, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	return d, sim, srv
}

// A phone shows its chat as Telegram does: the person's messages and the bot's in the order
// sent, an edited message in its place with its new text and buttons, a document under its
// name, a location, the chat's own command menu, and the bot's answer to a press as a toast.
func TestAPhoneShowsItsChatAsTelegramDoes(t *testing.T) {
	t.Parallel()
	d, sim, srv := newDemo(t)
	owner := demo.Personas()[0].User.ID

	if err := d.SendText(0, "<b>hello</b>\nsecond line"); err != nil {
		t.Fatal(err)
	}
	var sent struct {
		MessageID int64 `json:"message_id"`
	}
	_ = json.Unmarshal(botCall(t, sim, "sendMessage", map[string]any{"chat_id": owner, "text": "Which category?",
		"reply_markup": `{"inline_keyboard":[[{"text":"Power","callback_data":"cat:1"},{"text":"Land","callback_data":"cat:2"}]]}`}), &sent)
	botCall(t, sim, "setMyCommands", map[string]any{"commands": `[{"command":"new","description":"file a problem"}]`,
		"scope": fmt.Sprintf(`{"type":"chat","chat_id":%d}`, owner)})
	if err := d.Press(0, sent.MessageID, "cat:2"); err != nil {
		t.Fatal(err)
	}
	if err := d.Press(0, sent.MessageID, "cat:9"); err == nil {
		t.Fatal("a press of a button the message does not show was played")
	}
	// The bot takes the press by getUpdates, as it does.
	query := ""
	for deadline := time.Now().Add(5 * time.Second); query == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		resp, err := http.Post(sim.URL()+"/bot1:TEST/getUpdates", "application/json", strings.NewReader(`{"timeout":0}`))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Result []telegramtest.Update `json:"result"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		for _, u := range got.Result {
			if u.CallbackQuery != nil {
				query = u.CallbackQuery.ID
			}
		}
	}
	botCall(t, sim, "answerCallbackQuery", map[string]any{"callback_query_id": query, "text": "Land chosen"})
	botCall(t, sim, "editMessageText", map[string]any{"chat_id": owner, "message_id": sent.MessageID, "text": "Category: Land"})
	upload(t, sim, owner, "ledger.xlsx", []byte("PK\x03\x04 a workbook"))
	botCall(t, sim, "sendLocation", map[string]any{"chat_id": owner, "latitude": 34.5, "longitude": 113.25})
	if err := d.SendLocation(0); err != nil {
		t.Fatal(err)
	}

	v, err := d.Phone(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Messages) != 5 {
		t.Fatalf("%d messages: %+v", len(v.Messages), v.Messages)
	}
	m := v.Messages
	if !m[0].Mine || m[0].Text != "<b>hello</b>\nsecond line" {
		t.Errorf("the person's text: %+v", m[0])
	}
	if m[1].Mine || m[1].Text != "Category: Land" || !m[1].Edited || len(m[1].Buttons) != 0 {
		t.Errorf("the edited prompt: %+v", m[1])
	}
	if m[2].Document == "" || m[2].FileName != "ledger.xlsx" {
		t.Errorf("the document: %+v", m[2])
	}
	if m[3].Location == nil || m[3].Location.Latitude != 34.5 {
		t.Errorf("the bot's location: %+v", m[3])
	}
	if !m[4].Mine || m[4].Location == nil || *m[4].Location != demo.DemoLocation {
		t.Errorf("the person's location: %+v", m[4])
	}
	for i := 1; i < len(m); i++ {
		if m[i].ID <= m[i-1].ID {
			t.Errorf("messages out of order: %d after %d", m[i].ID, m[i-1].ID)
		}
	}
	if len(v.Commands) != 1 || v.Commands[0].Command != "new" {
		t.Errorf("the menu: %+v", v.Commands)
	}
	if v.Toast != "Land chosen" {
		t.Errorf("the toast: %q", v.Toast)
	}

	// The document downloads under its name; a picture is shown as itself.
	resp, err := http.Get(srv.URL + "/api/file/" + m[2].Document + "?name=ledger.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment; filename*=UTF-8''ledger.xlsx") ||
		!bytes.HasPrefix(b, []byte("PK")) {
		t.Errorf("the document's download: %d %v", resp.StatusCode, resp.Header)
	}
	if err := d.SendPhoto(0, "the meter", nil); err != nil {
		t.Fatal(err)
	}
	v, _ = d.Phone(0)
	photo := v.Messages[len(v.Messages)-1]
	resp, err = http.Get(srv.URL + "/api/file/" + photo.Photo)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Content-Disposition") != "" || photo.Caption != "the meter" {
		t.Errorf("the photo: %+v %v", photo, resp.Header)
	}
}

// A file chosen on the computer goes as a Telegram client sends it: a picture as a photo,
// anything else as a document under its name; an empty one is refused.
func TestAChosenFileGoesAsAPhotoOrADocument(t *testing.T) {
	t.Parallel()
	d, _, srv := newDemo(t)
	sample, err := os.ReadFile("web/sample.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content []byte
		want    int
	}{
		{"meter.png", sample, http.StatusOK},
		{"plan.pdf", []byte("%PDF-1.4\n% a plan\n"), http.StatusOK},
		{"empty.txt", nil, http.StatusBadRequest},
	} {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		_ = w.WriteField("phone", "1")
		f, _ := w.CreateFormFile("file", tc.name)
		_, _ = f.Write(tc.content)
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/photo", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Origin", srv.URL)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	v, _ := d.Phone(1)
	if len(v.Messages) != 2 || v.Messages[0].Photo == "" || v.Messages[1].Document == "" || v.Messages[1].FileName != "plan.pdf" {
		t.Fatalf("the cadre's phone: %+v", v.Messages)
	}
}

// The page's labels are in both languages with the same keys, and every label the page asks
// for is there.
func TestThePageLabelsAreInBothLanguages(t *testing.T) {
	t.Parallel()
	keys := map[string][]string{}
	for _, lang := range []string{"zh-CN", "en"} {
		labels, err := demo.PageLabels(lang)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range labels {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
			keys[lang] = append(keys[lang], k)
		}
		slices.Sort(keys[lang])
	}
	if !slices.Equal(keys["zh-CN"], keys["en"]) {
		t.Fatalf("the languages' labels differ:\nzh-CN %v\nen    %v", keys["zh-CN"], keys["en"])
	}
	page, _ := os.ReadFile("web/index.html")
	script, _ := os.ReadFile("web/app.js")
	var used []string
	for _, m := range regexp.MustCompile(`data-label="([a-z_]+)"`).FindAllSubmatch(page, -1) {
		used = append(used, string(m[1]))
	}
	for _, m := range regexp.MustCompile(`t\([a-zA-Z()]+, "([a-z_]+)"\)`).FindAllSubmatch(script, -1) {
		used = append(used, string(m[1]))
	}
	for _, p := range demo.Personas() {
		used = append(used, "persona_"+p.Key)
	}
	for i := range 7 {
		used = append(used, fmt.Sprint("weekday_", i))
	}
	if len(used) < 20 {
		t.Fatalf("only %d labels found in use: %v", len(used), used)
	}
	for _, k := range used {
		if _, found := slices.BinarySearch(keys["en"], k); !found {
			t.Errorf("the page uses the label %s, which is not in the languages", k)
		}
	}
}
