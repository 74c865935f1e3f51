package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call posts a multipart form, as go-telegram/bot does.
func call(t *testing.T, s *Server, method string, fields map[string]string) (int, apiResponse) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if len(fields) > 0 {
		_ = w.Close()
	}
	resp, err := http.Post(s.URL()+"/bot123:abc/"+method, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, r
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var ann = User{ID: 11, FirstName: "Ann", LanguageCode: "en"}

func TestGetMeWithAnEmptyBody(t *testing.T) {
	s := New(WithBot(42, "demo_bot"))
	defer s.Close()
	code, r := call(t, s, "getMe", nil)
	var me User
	_ = json.Unmarshal(r.Result, &me)
	if code != 200 || !r.OK || me.ID != 42 || me.Username != "demo_bot" || !me.IsBot {
		t.Fatalf("getMe = %d %+v %+v", code, r, me)
	}
}

func TestSendAndEditMessageWithButtons(t *testing.T) {
	s := New()
	defer s.Close()
	markup := `{"inline_keyboard":[[{"text":"签收","callback_data":"sign:7"},{"text":"退回","callback_data":"back:7"}]]}`
	code, r := call(t, s, "sendMessage", map[string]string{"chat_id": "11", "text": "新案件", "reply_markup": markup})
	if code != 200 {
		t.Fatalf("sendMessage = %d %s", code, r.Description)
	}
	var sent IncomingMessage
	_ = json.Unmarshal(r.Result, &sent)
	if sent.MessageID == 0 || sent.Chat.ID != 11 || sent.From == nil || !sent.From.IsBot || !strings.Contains(string(sent.ReplyMarkup), "sign:7") {
		t.Fatalf("result = %+v", sent)
	}
	msgs := s.MustWaitMessages(t, 11, 1)
	if msgs[0].Text != "新案件" || len(msgs[0].Buttons) != 1 || msgs[0].Buttons[0][1].CallbackData != "back:7" {
		t.Fatalf("recorded %+v", msgs[0])
	}
	id := strconv.FormatInt(sent.MessageID, 10)
	if code, r := call(t, s, "editMessageText", map[string]string{"chat_id": "11", "message_id": id, "text": "已签收"}); code != 200 {
		t.Fatalf("edit = %d %s", code, r.Description)
	}
	if m := s.Messages(11)[0]; m.Text != "已签收" || m.Edits != 1 || m.Buttons != nil {
		t.Fatalf("after edit %+v", m)
	}
	if code, r := call(t, s, "editMessageText", map[string]string{"chat_id": "11", "message_id": id, "text": "已签收"}); code != 400 || !strings.Contains(r.Description, "not modified") {
		t.Fatalf("same edit = %d %s", code, r.Description)
	}
	if code, r := call(t, s, "editMessageText", map[string]string{"chat_id": "11", "message_id": "999", "text": "x"}); code != 400 || !strings.Contains(r.Description, "not found") {
		t.Fatalf("edit of unknown = %d %s", code, r.Description)
	}
}

func TestSendRefusesWhatTelegramRefuses(t *testing.T) {
	s := New()
	defer s.Close()
	for _, tc := range []struct {
		fields map[string]string
		want   string
	}{
		{map[string]string{"chat_id": "11", "text": ""}, "message text is empty"},
		{map[string]string{"chat_id": "11", "text": strings.Repeat("长", 4097)}, "message is too long"},
		{map[string]string{"text": "hi"}, "chat not found"},
		{map[string]string{"chat_id": "11", "text": "hi", "reply_markup": `{"inline_keyboard":[[{"text":"x","callback_data":"` + strings.Repeat("a", 65) + `"}]]}`}, "BUTTON_DATA_INVALID"},
	} {
		if code, r := call(t, s, "sendMessage", tc.fields); code != 400 || !strings.Contains(r.Description, tc.want) {
			t.Errorf("%v: %d %q, want 400 %q", tc.fields, code, r.Description, tc.want)
		}
	}
	if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "11", "text": strings.Repeat("长", 4096)}); code != 200 {
		t.Errorf("4096 characters refused: %d", code)
	}
	if code, _ := call(t, s, "noSuchMethod", nil); code != 404 {
		t.Errorf("unknown method = %d", code)
	}
	if len(s.Messages(11)) != 1 {
		t.Errorf("refused sends were stored: %+v", s.Messages(11))
	}
}

func TestLongPollingDeliversAndConfirms(t *testing.T) {
	s := New()
	defer s.Close()
	got := make(chan []Update, 1)
	go func() {
		_, r := call(t, s, "getUpdates", map[string]string{"timeout": "5"})
		var u []Update
		_ = json.Unmarshal(r.Result, &u)
		got <- u
	}()
	if _, err := s.WaitCall(ctx10(t), "getUpdates", func(Call) bool { return true }); err != nil {
		t.Fatal(err)
	}
	sent := s.SendText(ann, "/start abc")
	var ups []Update
	select {
	case ups = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake on a new update")
	}
	if len(ups) != 1 || ups[0].UpdateID != sent.UpdateID || ups[0].Message.Text != "/start abc" ||
		len(ups[0].Message.Entities) != 1 || ups[0].Message.Entities[0].Type != "bot_command" || ups[0].Message.Entities[0].Length != 6 ||
		ups[0].Message.From.LanguageCode != "en" {
		t.Fatalf("updates = %+v", ups)
	}
	// Not confirmed yet: served again.
	_, r := call(t, s, "getUpdates", map[string]string{"timeout": "0"})
	if !strings.Contains(string(r.Result), `"update_id":1`) {
		t.Fatalf("unconfirmed update not served again: %s", r.Result)
	}
	// Confirmed by the offset: gone.
	_, r = call(t, s, "getUpdates", map[string]string{"timeout": "0", "offset": "2"})
	if string(r.Result) != "[]" {
		t.Fatalf("confirmed update served again: %s", r.Result)
	}
	// A redelivery is served once even below the offset.
	s.Redeliver(sent)
	_, r = call(t, s, "getUpdates", map[string]string{"timeout": "0", "offset": "2"})
	if !strings.Contains(string(r.Result), `"update_id":1`) {
		t.Fatalf("redelivery not served: %s", r.Result)
	}
	_, r = call(t, s, "getUpdates", map[string]string{"timeout": "0", "offset": "2"})
	if string(r.Result) != "[]" {
		t.Fatalf("redelivery served twice: %s", r.Result)
	}
}

func TestWebhookDeliveryWithSecret(t *testing.T) {
	var mu sync.Mutex
	var secrets []string
	var bodies []Update
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u Update
		_ = json.NewDecoder(r.Body).Decode(&u)
		mu.Lock()
		secrets = append(secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		bodies = append(bodies, u)
		mu.Unlock()
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "sekret" {
			w.WriteHeader(401)
		}
	}))
	defer hook.Close()
	s := New()
	defer s.Close()
	if code, r := call(t, s, "setWebhook", map[string]string{"url": hook.URL + "/hook", "secret_token": "sekret"}); code != 200 {
		t.Fatalf("setWebhook = %d %s", code, r.Description)
	}
	msg := Message{MessageID: 5, ChatID: ann.ID, Text: "pick"}
	if s.PressButton(ann, msg, "yes"); s.LastWebhookStatus() != 200 {
		t.Fatalf("webhook status %d", s.LastWebhookStatus())
	}
	if code := s.PostWebhook(Update{UpdateID: 99}, ""); code != 401 {
		t.Fatalf("post without secret = %d", code)
	}
	mu.Lock()
	if len(bodies) != 2 || secrets[0] != "sekret" || secrets[1] != "" || bodies[0].CallbackQuery == nil || bodies[0].CallbackQuery.Data != "yes" {
		t.Fatalf("webhook got %+v with secrets %q", bodies, secrets)
	}
	qid := bodies[0].CallbackQuery.ID
	mu.Unlock()
	if code, r := call(t, s, "getUpdates", nil); code != 409 || !strings.Contains(r.Description, "webhook is active") {
		t.Fatalf("getUpdates with webhook = %d %s", code, r.Description)
	}
	if code, _ := call(t, s, "answerCallbackQuery", map[string]string{"callback_query_id": qid, "text": "ok"}); code != 200 {
		t.Fatalf("answering a real press = %d", code)
	}
	if code, _ := call(t, s, "answerCallbackQuery", map[string]string{"callback_query_id": "forged"}); code != 400 {
		t.Fatalf("answering an unknown press = %d", code)
	}
}

func TestFailNextQueuesFaults(t *testing.T) {
	s := New()
	defer s.Close()
	s.FailNext("sendMessage", 1, 429, 3)
	s.FailNext("sendMessage", 1, 502, 0)
	code, r := call(t, s, "sendMessage", map[string]string{"chat_id": "1", "text": "a"})
	if code != 429 || r.ErrorCode != 429 || r.Parameters.RetryAfter != 3 || !strings.Contains(r.Description, "retry after 3") {
		t.Fatalf("first = %d %+v", code, r)
	}
	if code, r = call(t, s, "sendMessage", map[string]string{"chat_id": "1", "text": "a"}); code != 502 || r.OK {
		t.Fatalf("second = %d %+v", code, r)
	}
	if code, _ = call(t, s, "sendMessage", map[string]string{"chat_id": "1", "text": "a"}); code != 200 {
		t.Fatalf("third = %d", code)
	}
	calls := s.CallsTo("sendMessage")
	if len(calls) != 3 || calls[0].Status != 429 || calls[1].Status != 502 || calls[2].Status != 200 || len(s.Messages(1)) != 1 {
		t.Fatalf("calls %+v, messages %+v", calls, s.Messages(1))
	}
}

// download fetches a file by its id as a bot does: getFile, then the file URL. It returns
// getFile's status and description, and the download's status and body.
func download(t *testing.T, s *Server, fileID string) (int, string, int64, int, []byte) {
	t.Helper()
	code, r := call(t, s, "getFile", map[string]string{"file_id": fileID})
	if code != http.StatusOK {
		return code, r.Description, 0, 0, nil
	}
	var f struct {
		FileSize int64  `json:"file_size"`
		FilePath string `json:"file_path"`
	}
	if err := json.Unmarshal(r.Result, &f); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL() + "/file/bot123:abc/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return code, "", f.FileSize, resp.StatusCode, b
}

// As Telegram does, getFile refuses a file over 20 MB; a file's downloads can be made to fail
// a few times or for good, and are counted.
func TestFileDownloadsFailAndBigFilesAreRefused(t *testing.T) {
	s := New()
	defer s.Close()
	big, _ := s.AddBigFile(25 << 20)
	if code, desc, _, _, _ := download(t, s, big); code != http.StatusBadRequest || desc != "Bad Request: file is too big" {
		t.Fatalf("getFile of a 25 MB file: %d %q", code, desc)
	}
	if s.Downloads(big) != 0 {
		t.Fatal("a file getFile refused was downloaded")
	}
	id, _ := s.AddFile([]byte("%PDF-1.7 scan"))
	s.FailDownloads(id, 2)
	for i, want := range []int{http.StatusBadGateway, http.StatusBadGateway, http.StatusOK} {
		_, _, size, code, body := download(t, s, id)
		if code != want || size != int64(len("%PDF-1.7 scan")) || (code == http.StatusOK && string(body) != "%PDF-1.7 scan") {
			t.Fatalf("download %d: %d, %q (file_size %d)", i+1, code, body, size)
		}
	}
	if n := s.Downloads(id); n != 3 {
		t.Fatalf("%d downloads counted, want 3", n)
	}
	s.FailDownloads(id, -1)
	for range 3 {
		if _, _, _, code, _ := download(t, s, id); code != http.StatusBadGateway {
			t.Fatalf("a download after failing for good: %d", code)
		}
	}
	upd := s.SendPhotoOf(ann, "", []byte("\xff\xd8\xff a photo"))
	largest := upd.Message.Photo[len(upd.Message.Photo)-1]
	if _, _, _, _, body := download(t, s, largest.FileID); string(body) != "\xff\xd8\xff a photo" || largest.FileSize != int64(len(body)) {
		t.Fatalf("the largest size holds %q", body)
	}
}

func TestFilesCanBeFetched(t *testing.T) {
	s := New()
	defer s.Close()
	upd := s.SendDocument(ann, "invoice.pdf", "application/pdf", []byte("%PDF-1.7 test"))
	photo := s.SendPhoto(ann, "塌方现场")
	if len(photo.Message.Photo) != 3 || photo.Message.Caption != "塌方现场" {
		t.Fatalf("photo update %+v", photo.Message)
	}
	_, r := call(t, s, "getFile", map[string]string{"file_id": upd.Message.Document.FileID})
	var f struct {
		FilePath string `json:"file_path"`
	}
	_ = json.Unmarshal(r.Result, &f)
	resp, err := http.Get(s.URL() + "/file/bot123:abc/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "%PDF-1.7 test" {
		t.Fatalf("downloaded %q", b)
	}
	if code, _ := call(t, s, "getFile", map[string]string{"file_id": "nope"}); code != 400 {
		t.Fatalf("getFile of unknown = %d", code)
	}
	// The bot may send back a file it received, by id.
	if code, r := call(t, s, "sendPhoto", map[string]string{"chat_id": "11", "photo": photo.Message.Photo[2].FileID}); code != 200 {
		t.Fatalf("sendPhoto by id = %d %s", code, r.Description)
	}
	if code, _ := call(t, s, "sendPhoto", map[string]string{"chat_id": "11", "photo": "unknown"}); code != 400 {
		t.Fatalf("sendPhoto of an unknown id = %d", code)
	}
}

func TestConcurrentUsersGetUniqueUpdateIDs(t *testing.T) {
	s := New()
	defer s.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int64]bool{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := s.SendText(User{ID: int64(100 + i), FirstName: "U"}, "hi")
			mu.Lock()
			seen[u.UpdateID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Fatalf("%d distinct update ids for 20 updates", len(seen))
	}
	for id := int64(1); id <= 20; id++ {
		if !seen[id] {
			t.Fatalf("update id %d missing: ids must run 1..20", id)
		}
	}
	// The queue is in update_id order, as a bot's offset assumes: a poller confirming past
	// an id never skips a lower one still queued.
	_, r := call(t, s, "getUpdates", map[string]string{"timeout": "0"})
	var ups []Update
	if err := json.Unmarshal(r.Result, &ups); err != nil {
		t.Fatal(err)
	}
	for i, u := range ups {
		if u.UpdateID != int64(i+1) {
			t.Fatalf("queue order %d at position %d", u.UpdateID, i)
		}
	}
}

// Enforced limits: a chat takes a short burst, then one message a gap; one over the limit a
// second in all, or one over the limit a minute to a group, is answered 429; others go
// through.
func TestEnforcedLimitsAnswer429(t *testing.T) {
	s := New()
	defer s.Close()
	s.EnforceLimits(100, time.Second, 2)
	send := func(chat string) int {
		code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": chat, "text": "a"})
		return code
	}
	for i := range ChatBurst {
		if code := send("1"); code != 200 {
			t.Fatalf("message %d of a burst to one chat: %d", i+1, code)
		}
	}
	if code := send("1"); code != 429 {
		t.Fatalf("one more than the burst to one chat: %d", code)
	}
	time.Sleep(time.Second) // one gap: one more may go, and no second
	if a, b := send("1"), send("1"); a != 200 || b != 429 {
		t.Fatalf("a gap after a burst: %d %d", a, b)
	}
	// Three a second in all, with a second's worth tolerated at once: three go at once, the
	// next waits a third of a second.
	s.EnforceLimits(3, time.Second, 2)
	for i := range 3 {
		if code := send(strconv.Itoa(10 + i)); code != 200 {
			t.Fatalf("message %d of a burst to all chats: %d", i+1, code)
		}
	}
	if code := send("20"); code != 429 {
		t.Fatalf("one more than the burst to all chats: %d", code)
	}
	time.Sleep(time.Second / 3)
	if a, b := send("21"), send("22"); a != 200 || b != 429 {
		t.Fatalf("a third of a second after a burst: %d %d", a, b)
	}
	s.EnforceLimits(100, time.Second, 2)
	if a, b, c := send("-5"), send("-5"), send("-5"); a != 200 || b != 200 || c != 429 {
		t.Fatalf("a group: %d %d %d", a, b, c)
	}
	if got := s.Throttled(); got != 5 {
		t.Fatalf("throttled %d, want 5", got)
	}
	if len(s.Messages(1)) != ChatBurst+1 {
		t.Fatalf("a throttled message was delivered")
	}
}

// An edit of the message whose button was just pressed counts in its chat only, not in the
// limit for all chats; an edit of a message nobody pressed counts in both.
func TestEditOfPressedMessageCountsInItsChatOnly(t *testing.T) {
	s := New()
	defer s.Close()
	if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "7", "text": "prompt", "reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":"a"}]]}`}); code != 200 {
		t.Fatalf("prompt: %d", code)
	}
	prompt := s.Messages(7)[0]
	if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "8", "text": "other"}); code != 200 {
		t.Fatalf("other: %d", code)
	}
	other := s.Messages(8)[0]
	s.EnforceLimits(2, time.Second, 20)
	s.PressButton(User{ID: 7, FirstName: "P"}, prompt, "a")
	for i := range 2 {
		if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": strconv.Itoa(100 + i), "text": "x"}); code != 200 {
			t.Fatalf("send %d: %d", i+1, code)
		}
	}
	edits := 0
	edit := func(m Message) int {
		edits++
		code, _ := call(t, s, "editMessageText", map[string]string{"chat_id": strconv.FormatInt(m.ChatID, 10),
			"message_id": strconv.FormatInt(m.MessageID, 10), "text": "next " + strconv.Itoa(edits)})
		return code
	}
	if code := edit(prompt); code != 200 {
		t.Fatalf("edit of the pressed prompt with the second's budget spent: %d", code)
	}
	if code := edit(other); code != 429 {
		t.Fatalf("edit of a message nobody pressed with the budget spent: %d", code)
	}
	if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "3", "text": "x"}); code != 429 {
		t.Fatalf("a third message in the second: %d", code)
	}
	// The pressed prompt's chat still keeps its own limit.
	for i := range ChatBurst - 1 {
		if code := edit(prompt); code != 200 {
			t.Fatalf("edit %d within the chat's burst: %d", i+2, code)
		}
	}
	if code := edit(prompt); code != 429 {
		t.Fatalf("edits past the chat's burst: %d", code)
	}
}

// FailRandomly fails about the share asked for.
func TestFailRandomlyFailsAShare(t *testing.T) {
	s := New()
	defer s.Close()
	s.FailRandomly("sendMessage", 0.2, 502, 0)
	failed := 0
	for range 200 {
		if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "1", "text": "a"}); code == 502 {
			failed++
		}
	}
	if failed < 20 || failed > 60 {
		t.Fatalf("%d of 200 failed, want about 40", failed)
	}
}

// A call record marks an edit in place only while the press is the chat's latest update: an
// edit of the same message after the person typed something is an edit like any other.
func TestCallsMarkAnEditInPlaceOfTheLatestPress(t *testing.T) {
	s := New()
	defer s.Close()
	if code, _ := call(t, s, "sendMessage", map[string]string{"chat_id": "7", "text": "prompt", "reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":"a"}]]}`}); code != 200 {
		t.Fatalf("prompt: %d", code)
	}
	prompt := s.Messages(7)[0]
	edit := func(text string) Call {
		if code, _ := call(t, s, "editMessageText", map[string]string{"chat_id": "7", "message_id": strconv.FormatInt(prompt.MessageID, 10), "text": text}); code != 200 {
			t.Fatalf("edit: %d", code)
		}
		calls := s.CallsTo("editMessageText")
		return calls[len(calls)-1]
	}
	if edit("before any press").InPlace {
		t.Fatal("an edit of a message nobody pressed is marked in place")
	}
	s.PressButton(User{ID: 7, FirstName: "P"}, prompt, "a")
	if !edit("the answer to the press").InPlace {
		t.Fatal("the edit answering a press is not marked in place")
	}
	s.SendText(User{ID: 7, FirstName: "P"}, "typed")
	if edit("after typing").InPlace {
		t.Fatal("an edit after the person typed is marked in place")
	}
}

// A document the bot uploads keeps the name it was uploaded with, as Telegram shows it; and
// Changed wakes whoever shows the chats live at the next call.
func TestAnUploadedDocumentKeepsItsNameAndChangesWake(t *testing.T) {
	s := New()
	defer s.Close()
	changed := s.Changed()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("chat_id", strconv.FormatInt(ann.ID, 10))
	f, _ := w.CreateFormFile("document", "ledger.xlsx")
	_, _ = f.Write([]byte("PK\x03\x04"))
	_ = w.Close()
	resp, err := http.Post(s.URL()+"/bot123:abc/sendDocument", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Result IncomingMessage `json:"result"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("the send did not wake those watching")
	}
	ms := s.Messages(ann.ID)
	if len(ms) != 1 || ms[0].FileName != "ledger.xlsx" || r.Result.Document == nil || r.Result.Document.FileName != "ledger.xlsx" {
		t.Fatalf("the document: %+v, answered %+v", ms, r.Result.Document)
	}
	if _, code := call(t, s, "sendDocument", map[string]string{"chat_id": strconv.FormatInt(ann.ID, 10), "document": ms[0].DocumentFileID}); code.OK != true {
		t.Fatalf("sent again by its id: %+v", code)
	}
	if ms := s.Messages(ann.ID); ms[1].FileName != "ledger.xlsx" {
		t.Fatalf("a document sent again by its id is not shown under its name: %+v", ms[1])
	}
}

// upload posts a multipart form with one file, as go-telegram/bot uploads one.
func upload(t *testing.T, s *Server, method string, fields map[string]string, field, name string, content []byte) (int, apiResponse) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = w.Close()
	resp, err := http.Post(s.URL()+"/bot123:abc/"+method, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, r
}

// A document uploaded with sendDocument keeps its name and bytes, as Telegram shows them; as
// Telegram does, a caption over 1024 UTF-16 units and an upload over 50 MB are refused.
func TestSendDocumentUploads(t *testing.T) {
	s := New()
	defer s.Close()
	content := []byte("PK\x03\x04 a workbook")
	code, r := upload(t, s, "sendDocument", map[string]string{"chat_id": "11", "caption": "月报告"}, "document", "云岭县-2026-11.xlsx", content)
	if code != 200 {
		t.Fatalf("sendDocument = %d %s", code, r.Description)
	}
	var m struct {
		Document Document `json:"document"`
		Caption  string   `json:"caption"`
	}
	if err := json.Unmarshal(r.Result, &m); err != nil {
		t.Fatal(err)
	}
	if m.Document.FileName != "云岭县-2026-11.xlsx" || m.Document.FileSize != int64(len(content)) || m.Caption != "月报告" {
		t.Fatalf("sent %+v", m)
	}
	got := s.Messages(11)
	if len(got) != 1 || got[0].FileName != "云岭县-2026-11.xlsx" || !bytes.Equal(s.FileContent(got[0].DocumentFileID), content) {
		t.Fatalf("recorded %+v", got)
	}
	if code, r := upload(t, s, "sendDocument", map[string]string{"chat_id": "11", "caption": strings.Repeat("😀", 513)}, "document", "a.xlsx", content); code != 400 ||
		!strings.Contains(r.Description, "caption is too long") {
		t.Fatalf("a caption of 1026 UTF-16 units = %d %s", code, r.Description)
	}
	if code, _ := upload(t, s, "sendDocument", map[string]string{"chat_id": "11", "caption": strings.Repeat("😀", 512)}, "document", "a.xlsx", content); code != 200 {
		t.Fatalf("a caption of 1024 UTF-16 units = %d", code)
	}
	if code, r := upload(t, s, "sendDocument", map[string]string{"chat_id": "11"}, "document", "big.xlsx", make([]byte, 50<<20+1)); code != 413 {
		t.Fatalf("an upload of 50 MB and a byte = %d %s", code, r.Description)
	}
	if n := len(s.Messages(11)); n != 2 {
		t.Fatalf("%d messages after two refusals, want 2", n)
	}
}
