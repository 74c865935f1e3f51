package telegramtest

import (
	"encoding/json"
	"time"
)

// User is a Telegram user, played by a test or the bot itself.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a chat: a private chat, whose id is the user's, or a group, a supergroup or a
// channel, whose ids are negative and which have a title.
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

// Entity marks a part of a text, such as a bot command.
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// PhotoSize is one size of a photo.
type PhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int64  `json:"file_size,omitempty"`
}

// Document is a general file.
type Document struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int64  `json:"file_size,omitempty"`
}

// Location is a point on the map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Venue is a named place shared from the map.
type Venue struct {
	Location Location `json:"location"`
	Title    string   `json:"title"`
	Address  string   `json:"address"`
}

// Contact is a shared phone contact.
type Contact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	UserID      int64  `json:"user_id,omitempty"`
}

// IncomingMessage is a Message object as the Bot API sends it, in updates and in results.
type IncomingMessage struct {
	MessageID int64       `json:"message_id"`
	From      *User       `json:"from,omitempty"`
	Chat      Chat        `json:"chat"`
	Date      int64       `json:"date"`
	EditDate  int64       `json:"edit_date,omitempty"`
	Text      string      `json:"text,omitempty"`
	Entities  []Entity    `json:"entities,omitempty"`
	Caption   string      `json:"caption,omitempty"`
	Photo     []PhotoSize `json:"photo,omitempty"`
	Document  *Document   `json:"document,omitempty"`
	Location  *Location   `json:"location,omitempty"`
	Venue     *Venue      `json:"venue,omitempty"`
	Contact   *Contact    `json:"contact,omitempty"`
	// MediaGroupID joins the messages of one album.
	MediaGroupID string          `json:"media_group_id,omitempty"`
	ReplyMarkup  json.RawMessage `json:"reply_markup,omitempty"`
	// SenderChat is set when the message was sent on behalf of a chat: the group itself for
	// its anonymous admins, a channel for the channel's posts in a group.
	SenderChat *Chat `json:"sender_chat,omitempty"`
	// IsAutomaticForward marks a channel's post that Telegram copied into the channel's
	// discussion group.
	IsAutomaticForward bool `json:"is_automatic_forward,omitempty"`
}

// CallbackQuery is a press of an inline button.
type CallbackQuery struct {
	ID           string           `json:"id"`
	From         User             `json:"from"`
	Message      *IncomingMessage `json:"message,omitempty"`
	ChatInstance string           `json:"chat_instance"`
	Data         string           `json:"data,omitempty"`
}

// Update is one update, as getUpdates returns it and the webhook receives it.
type Update struct {
	UpdateID      int64              `json:"update_id"`
	Message       *IncomingMessage   `json:"message,omitempty"`
	CallbackQuery *CallbackQuery     `json:"callback_query,omitempty"`
	MyChatMember  *ChatMemberUpdated `json:"my_chat_member,omitempty"`
}

// ChatMemberUpdated tells the bot its own membership of a chat changed: in a private chat,
// that the person blocked ("kicked") or unblocked ("member") it.
type ChatMemberUpdated struct {
	Chat          Chat       `json:"chat"`
	From          User       `json:"from"`
	Date          int64      `json:"date"`
	OldChatMember ChatMember `json:"old_chat_member"`
	NewChatMember ChatMember `json:"new_chat_member"`
}

// ChatMember is a member of a chat and their status.
type ChatMember struct {
	Status string `json:"status"`
	User   User   `json:"user"`
}

// Call is one Bot API request the bot made.
type Call struct {
	Method string
	// Params holds every field as its raw string; nested objects as their JSON text.
	Params map[string]string
	At     time.Time
	// Status is the HTTP status the simulator answered.
	Status int
	// InPlace marks an edit of the message whose press is the chat's latest update: the
	// answer in place to that press.
	InPlace bool
	// InReply marks a method the bot gave in its answer to a webhook delivery, which
	// Telegram carries out as if it had been called (its result is not returned).
	InReply bool
}

// Button is an inline keyboard button of a bot message.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Message is a message the bot sent, as it stands now (edits applied).
type Message struct {
	MessageID      int64
	ChatID         int64
	Text           string
	Caption        string
	Buttons        [][]Button
	PhotoFileID    string
	DocumentFileID string
	// FileName is the name a document was uploaded with ("" when sent by file id).
	FileName string
	Location *Location
	// MediaGroupID is set on the messages of one album, the same on each.
	MediaGroupID string
	Date         time.Time
	// Edits counts editMessageText and editMessageReplyMarkup calls applied to it.
	Edits   int
	FromBot bool
	Deleted bool
}
