// Package wecomtest is a WeCom (企业微信) server simulator for one self-built app: a local HTTP
// server that serves the API methods bangban uses (gettoken, message/send,
// message/update_template_card, media/upload, media/get), refuses what WeCom refuses (a text over 2048
// bytes, an access token expired or never issued, a userid that is not a member, a card's
// response code used twice), records what each member was sent, and plays members who send
// the app text, pictures and locations, enter it and press its cards' buttons — each
// callback signed and encrypted as WeCom does, and posted again, as WeCom does, when the app
// does not answer it within 5 seconds.
//
// Its crypto is written here on the standard library, checked against WeCom's published
// example, so that it tests the app's crypto rather than sharing its code.
package wecomtest
