// Package telegramtest is a Telegram Bot API simulator: a local HTTP server that speaks the
// Bot API methods bangban uses, records every call, and lets a test (or a demo) play users who
// send text, press buttons, share photos, documents, locations and contacts. In groups and
// supergroups it plays people and also the senders that are not one person, as Telegram
// presents them: an admin posting anonymously (@GroupAnonymousBot, the group in sender_chat),
// a channel (@Channel_Bot, the channel in sender_chat), a channel's post copied into its
// discussion group (from Telegram's own account, which is no bot), a message without from,
// and a bot.
//
// It delivers updates the way the bot asked for them: by getUpdates long polling, or by
// POSTing to the webhook registered with setWebhook. It can also answer 429 with retry_after
// and 5xx on demand, for reliability tests.
//
// It depends on the standard library only, so that it tests the bot's Telegram client rather
// than sharing its code.
package telegramtest
