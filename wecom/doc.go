// Package wecom is bangban's WeCom (企业微信) front end: a self-built app (自建应用) that takes
// the app's callbacks (messages, card presses, entering the app), turns them into the dialog
// engine's inputs, and renders the engine's outputs as WeCom app messages — text within
// WeCom's 2048 bytes, choices as button-interaction template cards or, where a card cannot
// hold them, as a numbered list answered with a number.
//
// The callback crypto (signature, AES-CBC message encryption) is silenceper/wechat's; the
// API calls are made here, against a base URL that tests point at wecomtest, with the access
// token kept in Redis for every replica.
package wecom
