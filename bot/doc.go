// Package bot is bangban's Telegram side: it receives updates by long polling or webhook,
// turns them into dialog inputs, renders the dialogs' outputs as messages and keyboards,
// sends everything through one Sender, and runs the durable job workers that deliver
// notifications and that archive the files attached to cases (fetched from Telegram, checked,
// and kept in the city's storage). It also serves /healthz, /readyz and /metrics; it serves no
// file to anyone.
//
// Only this package imports go-telegram/bot.
package bot
