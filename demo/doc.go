// Package demo is bangban without Telegram or WeCom: the Bot API simulator
// (bot/telegramtest) and the WeCom server simulator (wecom/wecomtest) play the demo county's
// people, and a web page on 127.0.0.1 shows three of their phones side by side, each its
// person's chat as Telegram, or WeCom for a person put on WeCom, would show it, with a clock
// that can be moved on to see the reminders, the daily board and the weekly bulletin happen.
//
// The page speaks only to this process: it plays what a person types, presses, photographs
// and shares through the simulators, and reads back what the bot and the WeCom app sent.
// Nothing here is reachable from `bangban serve`; the clock is a seam of the demo alone.
package demo
