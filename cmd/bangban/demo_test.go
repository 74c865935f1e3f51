package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/demo"
	"github.com/bangban/bangban/store/storetest"
)

// command runs `bangban args…` in this process with env until the test ends, and returns
// what it writes.
func command(t *testing.T, env map[string]string, args ...string) (stdout, stderr *syncBuffer) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, args, envOf(env), nil, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("bangban %s exited %d:\n%s", strings.Join(args, " "), code, stderr)
			}
		case <-time.After(40 * time.Second):
			t.Errorf("bangban %s did not stop", strings.Join(args, " "))
		}
	})
	return stdout, stderr
}

var pageURLRe = regexp.MustCompile(`open (http://127\.0\.0\.1:[0-9]+)`)

// startDemo runs `bangban run` with no token on a database that does not exist yet, and
// returns the page's URL once the demo says it is ready, within limit.
func startDemo(t *testing.T, limit time.Duration) (page string, dbName string) {
	t.Helper()
	dbURL, name := storetest.MissingDB(t)
	_, prefix := redistest.New(t)
	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": redistest.URL(), "BANGBAN_REDIS_PREFIX": prefix,
		"BANGBAN_DEMO_ADDR": "127.0.0.1:0", "BANGBAN_FILES_DIR": t.TempDir(), "LOG_LEVEL": "warn"}
	stdout, stderr := command(t, env, "run")
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if m := pageURLRe.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], name
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the demo did not say it was ready within %s:\n%s\n%s", limit, stdout, stderr)
	return "", ""
}

// On a fresh machine the run command, with no token set, starts the demo: the database it
// names is created, the demo county loaded and its people bound, and the page serves them,
// within ten seconds.
func TestRunWithoutATokenServesTheDemoOnAFreshDatabase(t *testing.T) {
	start := time.Now()
	page, name := startDemo(t, 10*time.Second)
	if !storetest.Exists(t, name) {
		t.Fatalf("database %s was not created", name)
	}
	body := get(t, page+"/")
	if !strings.Contains(body, `data-label="badge"`) || !strings.Contains(body, "/static/app.js") {
		t.Fatalf("the page: %s", body)
	}
	// The page says it is a demo, in the labels it is served in either language.
	for lang, want := range map[string]string{"en": "DEMO", "zh-CN": "演示"} {
		if labels := get(t, page+"/i18n/"+lang); !strings.Contains(labels, `"badge":"`+want+`"`) {
			t.Fatalf("the page's %s labels: %s", lang, labels)
		}
	}
	var st demo.State
	decode(t, get(t, page+"/api/state"), &st)
	if !st.Demo || len(st.Phones) != demo.Phones || len(st.Personas) < 7 {
		t.Fatalf("state %+v", st)
	}
	for i, key := range []string{"owner", "cadre", "office"} {
		if st.Phones[i] != key {
			t.Fatalf("phone %d shows %s, want %s", i, st.Phones[i], key)
		}
		var v demo.PhoneView
		decode(t, get(t, fmt.Sprintf("%s/api/phone?phone=%d", page, i)), &v)
		if v.Persona.Name == "" || len(v.Messages) < 2 || v.Messages[1].Mine {
			t.Fatalf("phone %d was not bound by invite: %+v", i, v)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the demo took %s", d)
	}
}

// With a token the run command serves Telegram as serve does (creating its database), and no
// demo page is started.
func TestRunWithATokenServesTelegramNotTheDemo(t *testing.T) {
	sim := telegramtest.New()
	t.Cleanup(sim.Close)
	dbURL, name := storetest.MissingDB(t)
	_, prefix := redistest.New(t)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	demoAddr := free.Addr().String()
	free.Close()
	env := map[string]string{"TELEGRAM_BOT_TOKEN": "7000000001:TOKEN", "TELEGRAM_API_URL": sim.URL(), "DATABASE_URL": dbURL,
		"REDIS_URL": redistest.URL(), "BANGBAN_REDIS_PREFIX": prefix, "BANGBAN_DEMO_ADDR": demoAddr, "LISTEN_ADDR": "127.0.0.1:0",
		"BANGBAN_FILES_DIR": t.TempDir()}
	stdout, stderr := command(t, env, "run")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := sim.WaitCall(ctx, "getUpdates", func(telegramtest.Call) bool { return true }); err != nil {
		t.Fatalf("serve did not poll Telegram: %v\n%s", err, stderr)
	}
	if !storetest.Exists(t, name) {
		t.Fatalf("serve did not create database %s", name)
	}
	if c, err := net.DialTimeout("tcp", demoAddr, time.Second); err == nil {
		c.Close()
		t.Fatalf("something listens on the demo's address %s", demoAddr)
	}
	if out := stdout.String() + stderr.String(); strings.Contains(out, "mode=demo") || strings.Contains(out, "this is a demo") {
		t.Fatalf("serve speaks of a demo:\n%s\n%s", stdout, stderr)
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// post sends an action to the demo's API as the page does, and returns the status and body.
func post(t *testing.T, page, path string, body any, header ...string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, page+path, strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func mustPost(t *testing.T, page, path string, body any) demo.State {
	t.Helper()
	code, out := post(t, page, path, body)
	if code != http.StatusOK {
		t.Fatalf("POST %s %+v: %d %s", path, body, code, out)
	}
	var st demo.State
	decode(t, out, &st)
	return st
}

// waitPhone waits until what a phone shows satisfies ok, and returns it.
func waitPhone(t *testing.T, page string, phone int, what string, ok func(demo.PhoneView) bool) demo.PhoneView {
	t.Helper()
	var v demo.PhoneView
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		v = demo.PhoneView{}
		decode(t, get(t, fmt.Sprintf("%s/api/phone?phone=%d", page, phone)), &v)
		if ok(v) {
			return v
		}
	}
	t.Fatalf("phone %d never showed %s: %+v", phone, what, v)
	return v
}

func lastFromBot(v demo.PhoneView) demo.Bubble {
	for i := len(v.Messages) - 1; i >= 0; i-- {
		if !v.Messages[i].Mine {
			return v.Messages[i]
		}
	}
	return demo.Bubble{}
}

// The page's API plays each thing a person does through the simulator and shows what the bot
// answers: text, a press (the prompt edited in place), the sample photo, the demo's location,
// another person on a phone, another language, and the clock moved on; and it refuses what is
// not the page's own.
func TestDemoAPIPlaysWhatPeopleDo(t *testing.T) {
	page, _ := startDemo(t, 20*time.Second)
	const owner, cadre, office = 0, 1, 2

	// Text, and the command menu the bot set for the owner's chat.
	mustPost(t, page, "/api/send", map[string]any{"phone": owner, "text": "/new"})
	v := waitPhone(t, page, owner, "the categories", func(v demo.PhoneView) bool { return len(lastFromBot(v).Buttons) > 3 })
	if n := len(v.Messages); !v.Messages[n-2].Mine || v.Messages[n-2].Text != "/new" {
		t.Fatalf("the owner's /new is not shown before the answer: %+v", v.Messages)
	}
	if !slicesContainCommand(v.Commands, "new") {
		t.Fatalf("the owner's menu lacks /new: %+v", v.Commands)
	}

	// A press: the prompt pressed is edited into the next one, in place.
	prompt := lastFromBot(v)
	mustPost(t, page, "/api/press", map[string]any{"phone": owner, "message_id": prompt.ID, "data": prompt.Buttons[0][0].CallbackData})
	waitPhone(t, page, owner, "the category prompt answered", func(v demo.PhoneView) bool {
		for _, m := range v.Messages {
			if m.ID == prompt.ID {
				return m.Text != prompt.Text && m.Edited
			}
		}
		return false
	})
	if code, _ := post(t, page, "/api/press", map[string]any{"phone": owner, "message_id": prompt.ID, "data": "forged"}); code != http.StatusBadRequest {
		t.Fatalf("a press of a button the message does not show: %d", code)
	}

	// The description, then the sample photo and the location as the dialog asks for them.
	mustPost(t, page, "/api/send", map[string]any{"phone": owner, "text": "厂区变压器容量不足"})
	n := len(waitPhone(t, page, owner, "the files prompt", func(v demo.PhoneView) bool { return len(lastFromBot(v).Buttons) > 0 }).Messages)
	mustPost(t, page, "/api/photo", map[string]any{"phone": owner})
	v = waitPhone(t, page, owner, "the photo taken", func(v demo.PhoneView) bool { return len(v.Messages) > n+1 })
	photo := v.Messages[n]
	if !photo.Mine || photo.Photo == "" {
		t.Fatalf("the photo sent is not shown: %+v", v.Messages[n:])
	}
	resp, err := http.Get(page + "/api/file/" + photo.Photo)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("the photo's file: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	mustPost(t, page, "/api/location", map[string]any{"phone": owner})
	v = waitPhone(t, page, owner, "the location shared", func(v demo.PhoneView) bool {
		return len(v.Messages) > 0 && v.Messages[len(v.Messages)-1].Location != nil ||
			len(v.Messages) > 1 && v.Messages[len(v.Messages)-2].Location != nil
	})

	// Another person on a phone, and another language.
	st := mustPost(t, page, "/api/person", map[string]any{"phone": office, "persona": "city"})
	if st.Phones[office] != "city" {
		t.Fatalf("phones %v", st.Phones)
	}
	if v := waitPhone(t, page, office, "the city office", func(v demo.PhoneView) bool { return v.Persona.Key == "city" }); v.Persona.Name == "" {
		t.Fatalf("the city office has no name: %+v", v.Persona)
	}
	mustPost(t, page, "/api/lang", map[string]any{"phone": cadre, "lang": "en"})
	mustPost(t, page, "/api/send", map[string]any{"phone": cadre, "text": "/help"})
	waitPhone(t, page, cadre, "help in English", func(v demo.PhoneView) bool {
		return v.Persona.Lang == "en" && strings.Contains(lastFromBot(v).Text, "/inbox") && !strings.Contains(lastFromBot(v).Text, "我")
	})

	// The clock: a day on, then to the next Monday at 09:00.
	before := st.Now
	st = mustPost(t, page, "/api/clock", map[string]any{"move": "day"})
	b, _ := time.Parse("2006-01-02 15:04", before)
	a, _ := time.Parse("2006-01-02 15:04", st.Now)
	if d := a.Sub(b); d < 24*time.Hour || d > 24*time.Hour+2*time.Minute {
		t.Fatalf("a day on: %s to %s", before, st.Now)
	}
	st = mustPost(t, page, "/api/clock", map[string]any{"move": "monday"})
	if st.Weekday != 1 || !strings.HasSuffix(st.Now, " 09:00") {
		t.Fatalf("next Monday 09:00: %+v", st)
	}

	// What is not the page's own is refused.
	for _, tc := range []struct {
		path   string
		body   any
		header []string
		want   int
	}{
		{"/api/send", map[string]any{"phone": 7, "text": "x"}, nil, http.StatusBadRequest},
		{"/api/person", map[string]any{"phone": 0, "persona": "nobody"}, nil, http.StatusBadRequest},
		{"/api/lang", map[string]any{"phone": 0, "lang": "fr"}, nil, http.StatusBadRequest},
		{"/api/clock", map[string]any{"move": "back"}, nil, http.StatusBadRequest},
		{"/api/send", map[string]any{"phone": 0, "text": "x"}, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"/api/send", map[string]any{"phone": 0, "text": "x"}, []string{"Content-Type", "text/plain"}, http.StatusUnsupportedMediaType},
		{"/api/send", map[string]any{"phone": 0, "text": "x"}, []string{"Host", "evil.example"}, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodPost, page+tc.path, strings.NewReader(mustJSON(tc.body)))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(tc.header); i += 2 {
			if tc.header[i] == "Host" {
				req.Host = tc.header[i+1]
			} else {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("POST %s %v %v: %d, want %d", tc.path, tc.body, tc.header, resp.StatusCode, tc.want)
		}
	}
}

func slicesContainCommand(cmds []demo.Command, name string) bool {
	for _, c := range cmds {
		if c.Command == name {
			return true
		}
	}
	return false
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// signature is what changes on a phone when the bot answers: how many messages it sent and
// the text and buttons of the last.
func signature(v demo.PhoneView) string {
	n := 0
	for _, m := range v.Messages {
		if !m.Mine {
			n++
		}
	}
	return fmt.Sprint(n, mustJSON(lastFromBot(v)))
}

func phoneNow(t *testing.T, page string, phone int) demo.PhoneView {
	t.Helper()
	var v demo.PhoneView
	decode(t, get(t, fmt.Sprintf("%s/api/phone?phone=%d", page, phone)), &v)
	return v
}

// tap presses the phone's newest button with the label, through the API, and waits for the
// bot's answer.
func tap(t *testing.T, page string, phone int, label string) {
	t.Helper()
	var msg demo.Bubble
	var data string
	waitPhone(t, page, phone, "a button "+label, func(v demo.PhoneView) bool {
		for _, m := range v.Messages {
			for _, row := range m.Buttons {
				for _, b := range row {
					if b.Text == label {
						msg, data = m, b.CallbackData
					}
				}
			}
		}
		return data != ""
	})
	before := signature(phoneNow(t, page, phone))
	mustPost(t, page, "/api/press", map[string]any{"phone": phone, "message_id": msg.ID, "data": data})
	waitPhone(t, page, phone, "the answer to "+label, func(v demo.PhoneView) bool { return signature(v) != before })
}

// say sends text from a phone through the API and waits for the bot's answer.
func say(t *testing.T, page string, phone int, text string) {
	t.Helper()
	before := signature(phoneNow(t, page, phone))
	mustPost(t, page, "/api/send", map[string]any{"phone": phone, "text": text})
	waitPhone(t, page, phone, "the answer to "+text, func(v demo.PhoneView) bool { return signature(v) != before })
}

func shows(v demo.PhoneView, text string) bool {
	for _, m := range v.Messages {
		if !m.Mine && strings.Contains(m.Text+m.Caption, text) {
			return true
		}
	}
	return false
}

// The demo's clock is the job queue's too: a result left unrated is closed by the feedback
// timeout, a job river schedules a week ahead, once the clock is moved past the week, with
// nothing but the queue's own scheduler to run it; and the monthly report goes out as the
// clock passes the 1st.
func TestTheDemoClockMovesTheJobQueue(t *testing.T) {
	page, _ := startDemo(t, 20*time.Second)
	const owner, cadre = 0, 1
	say(t, page, owner, "/new")
	tap(t, page, owner, "用电/用水/用气")
	say(t, page, owner, "厂区变压器容量不足，新生产线无法投产。")
	tap(t, page, owner, "跳过")
	tap(t, page, owner, "跳过")
	tap(t, page, owner, "普通")
	tap(t, page, owner, "✔ 确认提交")
	no := ticketRe.FindString(lastFromBot(waitPhone(t, page, owner, "the ticket", func(v demo.PhoneView) bool {
		return ticketRe.MatchString(lastFromBot(v).Text)
	})).Text)
	waitPhone(t, page, cadre, "the assignment", func(v demo.PhoneView) bool { return shows(v, no) })
	tap(t, page, cadre, "✍ 签收")
	tap(t, page, cadre, "✅ 办结")
	say(t, page, cadre, "已更换 800kVA 变压器。")
	tap(t, page, cadre, "跳过")
	tap(t, page, cadre, "✔ 确认提交")
	waitPhone(t, page, owner, "the question of the result", func(v demo.PhoneView) bool { return shows(v, "问题解决了吗") })

	for range 8 {
		mustPost(t, page, "/api/clock", map[string]any{"move": "day"})
	}
	waitPhone(t, page, owner, "the case closed unrated", func(v demo.PhoneView) bool { return shows(v, no+" 在规定时间内未收到评价，已销号") })

	// Four Mondays on, a month has turned: the county office has the workbook of the month the
	// case was filed in, sent as the clock passed the 1st at 09:00.
	const office = 2
	for range 4 {
		mustPost(t, page, "/api/clock", map[string]any{"move": "monday"})
	}
	waitPhone(t, page, office, "the monthly workbook", func(v demo.PhoneView) bool {
		return slices.ContainsFunc(v.Messages, func(m demo.Bubble) bool { return strings.HasSuffix(m.FileName, ".xlsx") })
	})
}

// lastCard is the newest WeCom card a phone shows, nil for none.
func lastCard(v demo.PhoneView) *demo.Card {
	for i := len(v.Messages) - 1; i >= 0; i-- {
		if v.Messages[i].Card != nil {
			return v.Messages[i].Card
		}
	}
	return nil
}

// One demo runs both platforms: the linked cadre, put on WeCom, was bound there by invite and
// is sent the owner's case (filed on Telegram) as a WeCom card; signing it with the card's
// button, the card shows the choice, and the owner's Telegram phone is told.
func TestDemoWeComCadreBesideATelegramOwner(t *testing.T) {
	page, _ := startDemo(t, 20*time.Second)
	const owner, cadre = 0, 1
	tgBefore := len(phoneNow(t, page, cadre).Messages)
	st := mustPost(t, page, "/api/platform", map[string]any{"phone": cadre, "platform": "wecom"})
	if st.Personas[cadre].Platform != demo.PlatformWeCom || st.Personas[owner].Platform != demo.PlatformTelegram {
		t.Fatalf("the frame: %+v", st.Personas)
	}
	v := waitPhone(t, page, cadre, "the WeCom chat", func(v demo.PhoneView) bool { return v.Persona.Platform == demo.PlatformWeCom })
	if len(v.Messages) < 2 || !v.Messages[0].Mine || !strings.HasPrefix(v.Messages[0].Text, "/start ") || v.Messages[1].Mine ||
		!strings.Contains(v.Messages[1].Text, v.Persona.Name) {
		t.Fatalf("the cadre was not bound on WeCom by invite: %+v", v.Messages)
	}

	say(t, page, owner, "/new")
	tap(t, page, owner, "用电/用水/用气")
	say(t, page, owner, "厂区变压器容量不足，新生产线无法投产。")
	tap(t, page, owner, "跳过")
	tap(t, page, owner, "跳过")
	tap(t, page, owner, "普通")
	tap(t, page, owner, "✔ 确认提交")
	no := ticketRe.FindString(lastFromBot(waitPhone(t, page, owner, "the ticket", func(v demo.PhoneView) bool {
		return ticketRe.MatchString(lastFromBot(v).Text)
	})).Text)

	// The assignment reaches the cadre in WeCom as a card.
	var card *demo.Card
	waitPhone(t, page, cadre, "the assignment's card", func(v demo.PhoneView) bool {
		card = lastCard(v)
		return card != nil && strings.Contains(card.Title+card.Text, no)
	})
	key := ""
	for _, b := range card.Buttons {
		if b.Text == "✍ 签收" {
			key = b.Key
		}
	}
	if key == "" {
		t.Fatalf("the card offers no signing: %+v", card)
	}
	mustPost(t, page, "/api/press", map[string]any{"phone": cadre, "task_id": card.TaskID, "key": key})
	waitPhone(t, page, cadre, "the card showing the choice", func(v demo.PhoneView) bool {
		for _, m := range v.Messages {
			if c := m.Card; c != nil && c.TaskID == card.TaskID {
				return c.Pressed == key && c.Replaced == "✍ 签收"
			}
		}
		return false
	})
	if code, _ := post(t, page, "/api/press", map[string]any{"phone": cadre, "task_id": card.TaskID, "key": key}); code != http.StatusBadRequest {
		t.Fatalf("a card pressed twice: %d", code)
	}
	// The owner, on Telegram, is told; the cadre's Telegram chat was sent nothing.
	waitPhone(t, page, owner, "the signing", func(v demo.PhoneView) bool { return shows(v, "已签收您反映的问题 "+no) })
	if n := len(phoneOn(t, page, cadre, demo.PlatformTelegram).Messages); n != tgBefore {
		t.Fatalf("the cadre's Telegram chat went from %d to %d messages", tgBefore, n)
	}

	// The owner on WeCom: the categories, too many for a card, come as a numbered list, and
	// the number typed chooses.
	phoneOn(t, page, owner, demo.PlatformWeCom)
	say(t, page, owner, "/new")
	var number string
	v = waitPhone(t, page, owner, "the categories as a numbered list", func(v demo.PhoneView) bool {
		last := lastFromBot(v)
		number = numberOf(last.Text, "用电/用水/用气")
		return last.Card == nil && number != "" && strings.Contains(last.Text, "请回复选项前的数字")
	})
	say(t, page, owner, number)
	v = phoneNow(t, page, owner)
	if m := v.Messages[len(v.Messages)-2]; !m.Mine || m.Text != number {
		t.Fatalf("the number typed is not shown before the answer: %+v", v.Messages)
	}
	if strings.Contains(lastFromBot(v).Text, "请回复选项前的数字") {
		t.Fatalf("the number typed did not choose: %+v", lastFromBot(v))
	}

	// The cadre's language switched on WeCom, which tells none: chosen in the app with /lang.
	phoneOn(t, page, cadre, demo.PlatformWeCom)
	mustPost(t, page, "/api/lang", map[string]any{"phone": cadre, "lang": "en"})
	waitPhone(t, page, cadre, "English chosen in the app", func(v demo.PhoneView) bool {
		return v.Persona.Lang == "en" && shows(v, "Switched to English")
	})
	mustPost(t, page, "/api/send", map[string]any{"phone": cadre, "text": "/help"})
	waitPhone(t, page, cadre, "help in English on WeCom", func(v demo.PhoneView) bool {
		return v.Messages[len(v.Messages)-2].Text == "/help" && strings.Contains(lastFromBot(v).Text, "/inbox") && !strings.Contains(lastFromBot(v).Text, "我")
	})
}

// numberOf is the number of the line "N. text" of a numbered list, "" for none.
func numberOf(list, text string) string {
	for _, line := range strings.Split(list, "\n") {
		if n, rest, ok := strings.Cut(line, ". "); ok && rest == text && n != "" && strings.Trim(n, "0123456789") == "" {
			return n
		}
	}
	return ""
}

// phoneOn puts the person on a phone on a platform and returns what the phone shows there.
func phoneOn(t *testing.T, page string, phone int, platform string) demo.PhoneView {
	t.Helper()
	mustPost(t, page, "/api/platform", map[string]any{"phone": phone, "platform": platform})
	v := phoneNow(t, page, phone)
	if v.Persona.Platform != platform {
		t.Fatalf("phone %d is on %s, not %s", phone, v.Persona.Platform, platform)
	}
	return v
}
