package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// The Bot API's limits, enforced as Telegram enforces them.
const (
	maxTextLength    = 4096 // UTF-16 code units, after entity parsing
	maxCaptionLength = 1024
	maxCallbackData  = 64 // bytes
	// A bot uploads a photo of at most 10 MB and any other file of at most 50 MB; a larger
	// upload is refused as too large a request.
	maxPhotoUpload = 10 << 20
	maxFileUpload  = 50 << 20
)

// call runs one method other than getUpdates. It returns the result, or an HTTP code other
// than 200 with Telegram's description.
func (s *Server) call(method string, p map[string]string, uploads map[string][]byte) (any, int, string) {
	switch method {
	case "getMe":
		return User{ID: s.botID, IsBot: true, FirstName: "bangban", Username: s.botUsername}, http.StatusOK, ""
	case "setWebhook":
		s.mu.Lock()
		defer s.mu.Unlock()
		if p["url"] == "" {
			s.webhookURL, s.webhookSec = "", ""
			return true, http.StatusOK, ""
		}
		conns := defaultWebhookConnections
		if v, ok := p["max_connections"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxWebhookConnections {
				return nil, http.StatusBadRequest, "Bad Request: bad webhook: max_connections must be from 1 to 100"
			}
			conns = n
		}
		s.webhookURL, s.webhookSec = p["url"], p["secret_token"]
		s.client.CloseIdleConnections()
		s.client = webhookClient(conns)
		if p["drop_pending_updates"] == "true" {
			s.queue = nil
		}
		return true, http.StatusOK, ""
	case "deleteWebhook":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.webhookURL, s.webhookSec = "", ""
		if p["drop_pending_updates"] == "true" {
			s.queue = nil
		}
		return true, http.StatusOK, ""
	case "getWebhookInfo":
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]any{"url": s.webhookURL, "has_custom_certificate": false, "pending_update_count": len(s.queue)}, http.StatusOK, ""
	case "sendMessage":
		return s.send(p, func(m *Message) (int, string) {
			if code, desc := checkText(p["text"], "message text is empty", "message is too long", maxTextLength); code != 0 {
				return code, desc
			}
			m.Text = p["text"]
			return 0, ""
		})
	case "sendPhoto", "sendDocument":
		field := map[string]string{"sendPhoto": "photo", "sendDocument": "document"}[method]
		limit := map[string]int{"sendPhoto": maxPhotoUpload, "sendDocument": maxFileUpload}[method]
		if len(uploads[field]) > limit {
			return nil, http.StatusRequestEntityTooLarge, "Request Entity Too Large"
		}
		return s.send(p, func(m *Message) (int, string) {
			if len(p["caption"]) > 0 && utf16Len(p["caption"]) > maxCaptionLength {
				return http.StatusBadRequest, "Bad Request: message caption is too long"
			}
			id, ok := s.fileParam(p[field], uploads[field])
			if !ok {
				return http.StatusBadRequest, "Bad Request: wrong file identifier/HTTP URL specified"
			}
			m.Caption = p["caption"]
			if method == "sendPhoto" {
				m.PhotoFileID = id
			} else {
				m.DocumentFileID = id
				m.FileName = s.documentName(id, p[field])
			}
			return 0, ""
		})
	case "sendMediaGroup":
		return s.sendMediaGroup(p, uploads)
	case "sendLocation":
		return s.send(p, func(m *Message) (int, string) {
			lat, err1 := strconv.ParseFloat(p["latitude"], 64)
			lon, err2 := strconv.ParseFloat(p["longitude"], 64)
			if err1 != nil || err2 != nil {
				return http.StatusBadRequest, "Bad Request: wrong latitude or longitude"
			}
			m.Location = &Location{Latitude: lat, Longitude: lon}
			return 0, ""
		})
	case "editMessageText":
		return s.edit(p, true)
	case "editMessageReplyMarkup":
		return s.edit(p, false)
	case "deleteMessage":
		s.mu.Lock()
		defer s.mu.Unlock()
		m := s.findLocked(p)
		if m == nil {
			return nil, http.StatusBadRequest, "Bad Request: message to delete not found"
		}
		m.Deleted = true
		s.chatChangedLocked(m.ChatID)
		return true, http.StatusOK, ""
	case "answerCallbackQuery":
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.queries[p["callback_query_id"]] {
			return nil, http.StatusBadRequest, "Bad Request: query is too old and response timeout expired or query ID is invalid"
		}
		if len(p["text"]) > 200 {
			return nil, http.StatusBadRequest, "Bad Request: MESSAGE_TOO_LONG"
		}
		// A press is answered once; Telegram refuses a second answer as it refuses a late one.
		delete(s.queries, p["callback_query_id"])
		return true, http.StatusOK, ""
	case "sendChatAction", "close", "logOut":
		return true, http.StatusOK, ""
	case "getFile":
		s.mu.Lock()
		defer s.mu.Unlock()
		f, ok := s.files[p["file_id"]]
		if !ok || f.forgotten {
			return nil, http.StatusBadRequest, "Bad Request: invalid file_id"
		}
		if f.sizeOf() > MaxDownload {
			return nil, http.StatusBadRequest, "Bad Request: file is too big"
		}
		return map[string]any{"file_id": p["file_id"], "file_unique_id": f.uniqueID, "file_size": f.sizeOf(), "file_path": f.path}, http.StatusOK, ""
	case "setMyCommands":
		var cmds []map[string]string
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
			return nil, http.StatusBadRequest, "Bad Request: can't parse commands JSON object"
		}
		for _, c := range cmds {
			if c["command"] == "" || len(c["command"]) > 32 || c["description"] == "" || len([]rune(c["description"])) > 256 {
				return nil, http.StatusBadRequest, "Bad Request: BOT_COMMAND_INVALID"
			}
		}
		scope, ok := scopeKey(p["scope"])
		if !ok {
			return nil, http.StatusBadRequest, "Bad Request: can't parse BotCommandScope"
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.commands[p["language_code"]+"|"+scope] = p["commands"]
		return true, http.StatusOK, ""
	case "getMyCommands":
		scope, _ := scopeKey(p["scope"])
		s.mu.Lock()
		defer s.mu.Unlock()
		raw := s.commands[p["language_code"]+"|"+scope]
		if raw == "" {
			raw = "[]"
		}
		return json.RawMessage(raw), http.StatusOK, ""
	case "deleteMyCommands":
		scope, _ := scopeKey(p["scope"])
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.commands, p["language_code"]+"|"+scope)
		return true, http.StatusOK, ""
	}
	return nil, http.StatusNotFound, "Not Found"
}

// send stores a new bot message built by fill, after the checks common to every send.
func (s *Server) send(p map[string]string, fill func(*Message) (int, string)) (any, int, string) {
	chatID, ok := atoi64(p["chat_id"])
	if !ok || chatID == 0 {
		return nil, http.StatusBadRequest, "Bad Request: chat not found"
	}
	buttons, code, desc := parseMarkup(p["reply_markup"])
	if code != 0 {
		return nil, code, desc
	}
	m := &Message{ChatID: chatID, Buttons: buttons, Date: time.Now(), FromBot: true}
	if code, desc := fill(m); code != 0 {
		return nil, code, desc
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMsgID[chatID]++
	m.MessageID = s.nextMsgID[chatID]
	s.messages[chatID] = append(s.messages[chatID], m)
	return s.wireLocked(m), http.StatusOK, ""
}

// sendMediaGroup sends an album as Telegram does: 2 to 10 items, photos (and videos) or
// documents but not both, each by a file id the simulator knows or an upload ("attach://"),
// a caption only up to maxCaptionLength, no buttons; one message for each item, sharing a
// media group id.
func (s *Server) sendMediaGroup(p map[string]string, uploads map[string][]byte) (any, int, string) {
	chatID, ok := atoi64(p["chat_id"])
	if !ok || chatID == 0 {
		return nil, http.StatusBadRequest, "Bad Request: chat not found"
	}
	if p["reply_markup"] != "" {
		return nil, http.StatusBadRequest, "Bad Request: media group can't have reply markup"
	}
	var media []struct {
		Type    string `json:"type"`
		Media   string `json:"media"`
		Caption string `json:"caption"`
	}
	if err := json.Unmarshal([]byte(p["media"]), &media); err != nil {
		return nil, http.StatusBadRequest, "Bad Request: can't parse media JSON object"
	}
	if len(media) < 2 || len(media) > 10 {
		return nil, http.StatusBadRequest, "Bad Request: MEDIA_GROUP_COUNT_INVALID"
	}
	documents := 0
	for _, m := range media {
		switch m.Type {
		case "document":
			documents++
		case "photo", "video":
		default:
			return nil, http.StatusBadRequest, "Bad Request: wrong type of the media"
		}
		if utf16Len(m.Caption) > maxCaptionLength {
			return nil, http.StatusBadRequest, "Bad Request: message caption is too long"
		}
	}
	if documents != 0 && documents != len(media) {
		return nil, http.StatusBadRequest, "Bad Request: documents can't be mixed with other media types"
	}
	ids := make([]string, len(media))
	for i, m := range media {
		var upload []byte
		if name, ok := strings.CutPrefix(m.Media, "attach://"); ok {
			if upload = uploads[name]; upload == nil {
				return nil, http.StatusBadRequest, "Bad Request: wrong file identifier/HTTP URL specified"
			}
		}
		id, ok := s.fileParam(m.Media, upload)
		if !ok {
			return nil, http.StatusBadRequest, "Bad Request: wrong file identifier/HTTP URL specified"
		}
		ids[i] = id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextGroup++
	group := strconv.Itoa(s.nextGroup)
	out := make([]IncomingMessage, len(media))
	for i, m := range media {
		msg := &Message{ChatID: chatID, Caption: m.Caption, Date: time.Now(), FromBot: true, MediaGroupID: group}
		if m.Type == "document" {
			msg.DocumentFileID = ids[i]
		} else {
			msg.PhotoFileID = ids[i]
		}
		s.nextMsgID[chatID]++
		msg.MessageID = s.nextMsgID[chatID]
		s.messages[chatID] = append(s.messages[chatID], msg)
		out[i] = s.wireLocked(msg)
	}
	return out, http.StatusOK, ""
}

func (s *Server) edit(p map[string]string, text bool) (any, int, string) {
	buttons, code, desc := parseMarkup(p["reply_markup"])
	if code != 0 {
		return nil, code, desc
	}
	if text {
		if code, desc := checkText(p["text"], "text must be non-empty", "MESSAGE_TOO_LONG", maxTextLength); code != 0 {
			return nil, code, desc
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(p)
	if m == nil {
		return nil, http.StatusBadRequest, "Bad Request: message to edit not found"
	}
	newText := m.Text
	if text {
		newText = p["text"]
	}
	before, _ := json.Marshal(m.Buttons)
	after, _ := json.Marshal(buttons)
	if newText == m.Text && string(before) == string(after) {
		return nil, http.StatusBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	}
	m.Text, m.Buttons = newText, buttons
	m.Edits++
	return s.wireLocked(m), http.StatusOK, ""
}

func (s *Server) findLocked(p map[string]string) *Message {
	chatID, ok1 := atoi64(p["chat_id"])
	msgID, ok2 := atoi64(p["message_id"])
	if !ok1 || !ok2 {
		return nil
	}
	for _, m := range s.messages[chatID] {
		if m.MessageID == msgID && !m.Deleted {
			return m
		}
	}
	return nil
}

// wireLocked renders a stored bot message as the Bot API's Message object.
func (s *Server) wireLocked(m *Message) IncomingMessage {
	bot := User{ID: s.botID, IsBot: true, FirstName: "bangban", Username: s.botUsername}
	out := IncomingMessage{MessageID: m.MessageID, From: &bot, Chat: s.chatLocked(m.ChatID),
		Date: m.Date.Unix(), Text: m.Text, Caption: m.Caption, Location: m.Location, MediaGroupID: m.MediaGroupID}
	if m.Edits > 0 {
		out.EditDate = time.Now().Unix()
	}
	if m.PhotoFileID != "" {
		out.Photo = []PhotoSize{{FileID: m.PhotoFileID, FileUniqueID: s.files[m.PhotoFileID].uniqueID, Width: 1280, Height: 1280}}
	}
	if m.DocumentFileID != "" {
		out.Document = &Document{FileID: m.DocumentFileID, FileUniqueID: s.files[m.DocumentFileID].uniqueID, FileName: m.FileName,
			FileSize: int64(len(s.files[m.DocumentFileID].content))}
	}
	if len(m.Buttons) > 0 {
		out.ReplyMarkup, _ = json.Marshal(map[string]any{"inline_keyboard": m.Buttons})
	}
	return out
}

// chatLocked is the chat with id as updates present it: a group played before, or else the
// private chat of the user with that id.
func (s *Server) chatLocked(id int64) Chat {
	if c, ok := s.chats[id]; ok {
		return c
	}
	return Chat{ID: id, Type: "private"}
}

// fileParam takes a file the bot sends: an upload (a new file) or a file_id the simulator
// knows.
func (s *Server) fileParam(value string, upload []byte) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if upload != nil {
		return s.addFileLocked(upload, "uploads"), true
	}
	f, ok := s.files[value]
	return value, ok && !f.forgotten
}

// documentName is the name Telegram shows a document under: an upload's own name (kept with
// the file from now on), or the name the file had when sent by its id.
func (s *Server) documentName(id, param string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[id]
	if name, upload := strings.CutPrefix(param, "attach://"); upload {
		f.name = name
		s.files[id] = f
	}
	return f.name
}

func (s *Server) addFileLocked(content []byte, dir string) string {
	s.nextFileID++
	id := fmt.Sprintf("SIMFILE%06d", s.nextFileID)
	s.files[id] = file{uniqueID: fmt.Sprintf("U%06d", s.nextFileID), path: fmt.Sprintf("%s/file_%d", dir, s.nextFileID), content: content}
	return id
}

func parseMarkup(raw string) ([][]Button, int, string) {
	if raw == "" {
		return nil, 0, ""
	}
	var kb struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, http.StatusBadRequest, "Bad Request: can't parse reply keyboard markup JSON object"
	}
	if len(kb.InlineKeyboard) == 0 {
		// An empty keyboard is no keyboard, as Telegram treats it.
		return nil, 0, ""
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, http.StatusBadRequest, "Bad Request: text buttons are unallowed in the inline keyboard"
			}
			if b.CallbackData == "" && b.URL == "" {
				return nil, http.StatusBadRequest, "Bad Request: BUTTON_TYPE_INVALID"
			}
			if len(b.CallbackData) > maxCallbackData {
				return nil, http.StatusBadRequest, "Bad Request: BUTTON_DATA_INVALID"
			}
			if b.URL != "" && !validButtonURL(b.URL) {
				return nil, http.StatusBadRequest, "Bad Request: BUTTON_URL_INVALID"
			}
		}
	}
	return kb.InlineKeyboard, 0, ""
}

// validButtonURL is what Telegram opens from a button: an http or https address with a host,
// or a tg:// link.
func validButtonURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "tg":
		return u.Host != "" || u.Opaque != ""
	}
	return false
}

func checkText(text, emptyDesc, longDesc string, limit int) (int, string) {
	if text == "" {
		return http.StatusBadRequest, "Bad Request: " + emptyDesc
	}
	if utf16Len(text) > limit {
		return http.StatusBadRequest, "Bad Request: " + longDesc
	}
	return 0, ""
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func copyButtons(in [][]Button) [][]Button {
	if in == nil {
		return nil
	}
	out := make([][]Button, len(in))
	for i, r := range in {
		out[i] = append([]Button(nil), r...)
	}
	return out
}

// getUpdates serves long polling: updates below offset are confirmed and dropped; with none
// waiting it blocks until one arrives, the timeout passes, the request ends or the server
// closes. Concurrent polls are all served (Telegram would end the older one with 409).
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := atoi64(p["offset"])
	limit, ok := atoi64(p["limit"])
	if !ok || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := atoi64(p["timeout"])
	s.mu.Lock()
	if s.webhookURL != "" {
		s.recordLocked("getUpdates", p, http.StatusConflict)
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 0)
		return
	}
	if offset > 0 {
		kept := s.queue[:0]
		for _, q := range s.queue {
			if q.again || q.upd.UpdateID >= offset {
				kept = append(kept, q)
			}
		}
		s.queue = kept
	}
	s.recordLocked("getUpdates", p, http.StatusOK)
	s.mu.Unlock()

	ctx, cancel := contextWithTimeout(r, time.Duration(timeout)*time.Second)
	defer cancel()
	_ = s.wait(ctx, func() bool { return len(s.queue) > 0 })

	s.mu.Lock()
	var out []Update
	kept := s.queue[:0]
	for _, q := range s.queue {
		if int64(len(out)) < limit {
			out = append(out, q.upd)
			if q.again {
				continue // a redelivery is served once
			}
		}
		kept = append(kept, q)
	}
	s.queue = kept
	s.mu.Unlock()
	if out == nil {
		out = []Update{}
	}
	writeResult(w, out)
}

// scopeKey names a BotCommandScope: "" for the default, "chat:ID" for one chat, the type for
// the others.
func scopeKey(raw string) (string, bool) {
	if raw == "" {
		return "", true
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
	}
	if err := json.Unmarshal([]byte(raw), &sc); err != nil || sc.Type == "" {
		return "", false
	}
	switch sc.Type {
	case "default":
		return "", true
	case "chat", "chat_administrators", "chat_member":
		if len(sc.ChatID) == 0 {
			return "", false
		}
		return sc.Type + ":" + strings.Trim(string(sc.ChatID), `"`), true
	}
	return sc.Type, true
}
