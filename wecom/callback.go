package wecom

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
)

// envelope is the body WeCom posts: the encrypted callback.
type envelope struct {
	ToUserName string `xml:"ToUserName"`
	AgentID    string `xml:"AgentID"`
	Encrypt    string `xml:"Encrypt"`
}

// callback is a decrypted callback of the app: a message a member sent it, or an event
// (entering the app, pressing a template card's button). WeCom's field names.
type callback struct {
	ToUserName   string  `xml:"ToUserName"`
	FromUserName string  `xml:"FromUserName"`
	CreateTime   int64   `xml:"CreateTime"`
	MsgType      string  `xml:"MsgType"`
	Content      string  `xml:"Content"`
	MsgID        string  `xml:"MsgId"`
	AgentID      string  `xml:"AgentID"`
	PicURL       string  `xml:"PicUrl"`
	MediaID      string  `xml:"MediaId"`
	FileName     string  `xml:"FileName"`
	FileSize     int64   `xml:"FileSize"`
	LocationX    float64 `xml:"Location_X"`
	LocationY    float64 `xml:"Location_Y"`
	Label        string  `xml:"Label"`
	Event        string  `xml:"Event"`
	EventKey     string  `xml:"EventKey"`
	TaskID       string  `xml:"TaskId"`
	CardType     string  `xml:"CardType"`
	ResponseCode string  `xml:"ResponseCode"`
}

func parseCallback(b []byte) (callback, error) {
	var cb callback
	if err := xml.Unmarshal(b, &cb); err != nil {
		return cb, fmt.Errorf("wecom: callback: %w", err)
	}
	return cb, nil
}

// dedupeKey names a callback for as long as WeCom may deliver it again: a message by its
// MsgId; an event, which has none, by who, when, what and which card and button (WeCom's
// retries of an event carry the same CreateTime). "" for what the app does not take.
func (cb callback) dedupeKey() string {
	if cb.MsgType == "event" {
		return "e:" + cb.FromUserName + ":" + strconv.FormatInt(cb.CreateTime, 10) + ":" + cb.Event + ":" + cb.TaskID + ":" + cb.EventKey
	}
	if cb.MsgID == "" {
		return "m:" + cb.FromUserName + ":" + strconv.FormatInt(cb.CreateTime, 10) + ":" + cb.MsgType
	}
	return "m:" + cb.MsgID
}

// FilePrefix starts the file id of a picture or file a member sent the app (its media_id
// after it), so that a file id says which platform keeps the file: the archive fetches it
// from WeCom, and WeCom is never asked to send a file Telegram keeps.
const FilePrefix = "wecom:"

// taskPrefix starts the task_id of every card the app sends; the rest is the message's
// number, which the engine knows it by.
const taskPrefix = "bb"

// input turns a callback into the engine's input, all but the ids (the caller's). ok is
// false for what the app has nothing to do with (other events, a card of another app). bind
// are the words that, before an invite code, bind it ("绑定 CODE"), as /start does.
func (cb callback) input(bind []string) (in dialog.Input, ok bool) {
	switch cb.MsgType {
	case "text":
		text := strings.TrimSpace(cb.Content)
		word, args, _ := strings.Cut(text, " ")
		switch {
		case strings.HasPrefix(text, "/") && len(word) > 1:
			in.Kind, in.Text = dialog.KindCommand, text
			in.Command, in.Args = strings.ToLower(strings.TrimPrefix(word, "/")), strings.TrimSpace(args)
		case isBindWord(word, bind) && strings.TrimSpace(args) != "":
			in.Kind, in.Text, in.Command, in.Args = dialog.KindCommand, text, "start", strings.TrimSpace(args)
		default:
			in.Kind, in.Text = dialog.KindText, cb.Content
		}
	case "image":
		in.Kind = dialog.KindPhoto
		in.Files = []dialog.File{{ID: FilePrefix + cb.MediaID, UniqueID: FilePrefix + cb.MediaID, Photo: true}}
	case "file":
		in.Kind = dialog.KindDocument
		in.Files = []dialog.File{{ID: FilePrefix + cb.MediaID, UniqueID: FilePrefix + cb.MediaID, Name: cb.FileName, Size: cb.FileSize}}
	case "location":
		in.Kind = dialog.KindLocation
		in.Location = &dialog.Location{Latitude: cb.LocationX, Longitude: cb.LocationY, Name: strings.TrimSpace(cb.Label)}
	case "event":
		switch cb.Event {
		case "enter_agent":
			// The first contact, or coming back: the welcome, as /start without a code.
			in.Kind, in.Text, in.Command = dialog.KindCommand, "/start", "start"
		case "template_card_event":
			id, err := strconv.ParseInt(strings.TrimPrefix(cb.TaskID, taskPrefix), 10, 64)
			if !strings.HasPrefix(cb.TaskID, taskPrefix) || err != nil || id <= 0 {
				return in, false
			}
			in.Kind, in.Data, in.MessageID, in.CallbackID = dialog.KindButton, cb.EventKey, id, cb.ResponseCode
		default:
			return in, false
		}
	case "voice", "video", "link":
		in.Kind = dialog.KindOther
	default:
		return in, false
	}
	return in, true
}

func isBindWord(word string, bind []string) bool {
	for _, b := range bind {
		if strings.EqualFold(word, b) {
			return true
		}
	}
	return false
}
