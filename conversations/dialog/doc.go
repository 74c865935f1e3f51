// Package dialog is the engine the conversations run on: dialogs declared as steps (Dialog,
// Step, Choice), what comes in and goes out (Input, Output), a person's session and its
// buttons, the per-chat queue in Redis that makes every update act once and in order across
// replicas and crashes, and the translation of every message through go-i18n (Translator).
//
// It knows nothing of a platform and of the campaign only the ticket number a reply's buttons
// act on (Reply.Case, Output.Case), carried through for the platform to retire them when the
// case moves on: it imports neither the store nor a chat platform's API (a test keeps it so). The campaign's dialogs are in package conversations;
// bot/ turns a Telegram update into an Input and renders the Outputs.
package dialog
