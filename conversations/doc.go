// Package conversations owns what bangban says and asks: the dialogs, the engine that runs
// them with their state in Redis, and the translation of every message through go-i18n.
//
// It is platform-neutral. bot/ turns a Telegram update into an Input and renders the Outputs
// as Telegram messages; nothing here knows Telegram's API.
package conversations
