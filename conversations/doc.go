// Package conversations owns what bangban says and asks: the dialogs of the campaign (filing
// a report, following and adding to it, rating the result, joining by invite, handling,
// triage, the lists, the figures and the reports) and the messages they answer with. They run
// on the engine of package dialog and act through package store.
//
// It is platform-neutral. bot/ turns a Telegram update into a dialog.Input and renders the
// dialog.Outputs as Telegram messages; nothing here knows Telegram's API.
package conversations
