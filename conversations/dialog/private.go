package dialog

// SetBotUsername tells the engine the bot's username, which the platform learns only once it
// is connected (getMe on Telegram), for the button that opens the bot's private chat. Call it
// before the first input is handled; without it that answer comes without the button.
func (e *Engine) SetBotUsername(name string) { e.botUsername = name }

// privateChatURL opens a private chat with the bot, "" while its username is unknown.
func (e *Engine) privateChatURL() string {
	if e.botUsername == "" {
		return ""
	}
	return "https://t.me/" + e.botUsername
}

// privateOnly answers what a person does in a group: a command, whatever it asks for, gets a
// short pointer to the private chat with a button that opens it; a pressed button, a notice
// on the press; anything else, nothing. Whatever is said in a group is read by everyone in it,
// so a role is never bound there, no dialog runs there and nothing of a case is shown there.
func (r *run) privateOnly() {
	switch r.in.Kind {
	case KindCommand:
		o := Output{ChatID: r.in.ChatID, Text: r.t(MsgPrivateOnly, map[string]any{"Name": r.in.FirstName})}
		if url := r.e.privateChatURL(); url != "" {
			o.Buttons = [][]Button{{{Text: r.t(MsgBtnPrivateChat, nil), URL: url}}}
		}
		r.outs = append(r.outs, o)
	case KindButton:
		r.notice(MsgPrivateOnlyNotice)
	}
}
