package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var updateDemoPNG = flag.Bool("update-demo-png", false, "write the browser test's screenshot of the three phones to docs/demo.png")

// chromium is the browser the page is tested in: Debian's chromium, or another Chrome found
// on PATH.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (Debian: apt-get install chromium); the demo page is not tested in a browser")
	return ""
}

// phonePage drives one page of the demo in a headless Chromium.
type phonePage struct {
	t   *testing.T
	ctx context.Context
}

// jsPrelude defines what the test asks of the page: the signature of what the bot shows a
// phone last (it changes when the bot answers), and a phone's last button with a label.
const jsPrelude = `
const sig = (i) => { const ms = [...document.querySelectorAll('#phone-' + i + ' .msg:not(.mine)')];
	const l = ms[ms.length - 1]; return ms.length + '|' + (l ? l.innerText : ''); };
const button = (i, label) => { const bs = [...document.querySelectorAll('#phone-' + i + ' .keyboard button')]
	.filter((b) => b.textContent.trim() === label); return bs.length ? bs[bs.length - 1] : null; };
const chat = (i) => document.querySelector('#phone-' + i + ' .chat').innerText;
`

func js(format string, args ...any) string {
	quoted := make([]any, len(args))
	for i, a := range args {
		b, _ := json.Marshal(a)
		quoted[i] = string(b)
	}
	return "(() => {" + jsPrelude + "return (" + fmt.Sprintf(format, quoted...) + ");})()"
}

func (p *phonePage) eval(expr string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// wait waits until the expression is true in the page.
func (p *phonePage) wait(what, expr string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(25*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		p.t.Fatalf("waiting for %s: %v\nphones:\n%s\n----\n%s\n----\n%s", what, err, p.chat(0), p.chat(1), p.chat(2))
	}
}

func (p *phonePage) chat(i int) string {
	v, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](js("chat(%v)", i)))
	return v
}

func (p *phonePage) sig(i int) string { return p.eval(js("sig(%v)", i)) }

// answered runs act and waits for the bot's answer on phone i.
func (p *phonePage) answered(i int, what string, act func()) {
	p.t.Helper()
	before := p.sig(i)
	act()
	p.wait(what+" answered", js("sig(%v) !== %v", i, before))
}

// press presses the phone's last button with the label, as a person taps it.
func (p *phonePage) press(i int, label string) {
	p.t.Helper()
	p.wait(fmt.Sprintf("button %q on phone %d", label, i), js("button(%v, %v) !== null", i, label))
	p.answered(i, "the press of "+label, func() { p.eval(js("(button(%v, %v).click(), '')", i, label)) })
}

// say types text into the phone's box and sends it.
func (p *phonePage) say(i int, text string) {
	p.t.Helper()
	box := chromedp.CSS(fmt.Sprintf("#phone-%d input.text", i))
	p.answered(i, fmt.Sprintf("%q", text), func() {
		if err := chromedp.Do(p.ctx, chromedp.SetValue(box, text), chromedp.Click(chromedp.CSS(fmt.Sprintf("#phone-%d .send", i)))); err != nil {
			p.t.Fatal(err)
		}
	})
}

func (p *phonePage) click(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("click %s: %v", sel, err)
	}
}

// lastTicket is the last ticket number a phone shows.
func (p *phonePage) lastTicket(i int) string {
	p.t.Helper()
	all := ticketRe.FindAllString(p.chat(i), -1)
	if len(all) == 0 {
		p.t.Fatalf("phone %d shows no ticket:\n%s", i, p.chat(i))
	}
	return all[len(all)-1]
}

// file goes through the owner's dialog after /new, in English, and returns the n-th ticket
// the owner was given.
func (p *phonePage) file(n int, description string) string {
	p.t.Helper()
	return p.fileIn(n, "Power, water and gas", description)
}

// fileIn is file in a category of choice: a case of the same kind as one still open would
// first be offered as an addition to it.
func (p *phonePage) fileIn(n int, category, description string) string {
	p.t.Helper()
	p.press(0, category)
	p.say(0, description)
	p.press(0, "Skip")
	p.press(0, "Skip")
	p.press(0, "Normal")
	p.press(0, "✔ Confirm")
	p.wait(fmt.Sprint("ticket ", n), js("chat(0).split('It has gone to your linked cadre').length > %v", n))
	return p.lastTicket(0)
}

const xss = `<img src=x onerror=alert(1)>`

// The whole loop in a real browser, on the page the demo serves: the owner (in English) files
// a problem whose description is markup, the cadre's phone receives it as text and signs,
// resolves with the sample photo, and the owner sees the photo and rates; a second case is
// left unsigned, the clock is moved a day on, and the cadre's phone shows it overdue. A
// screenshot of the three phones is kept.
func TestDemoPageInABrowser(t *testing.T) {
	browser := chromium(t)
	pageURL, _ := startDemo(t, 20*time.Second)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.WindowSize(1300, 880))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}
	// Markup a person typed must never run: any dialog fails the test.
	var dialogs atomic.Int32
	opened := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range opened {
			if err != nil {
				return
			}
			dialogs.Add(1)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	p := &phonePage{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	p.wait("the three phones", `document.body.dataset.ready === 'true' && document.querySelectorAll('.phone .name').length === 3 &&
		[...document.querySelectorAll('.phone .name')].every((n) => n.textContent !== '')`)
	if b := p.eval(`document.getElementById('banner').textContent`); !strings.Contains(b, "演示") {
		t.Fatalf("the page does not say it is a demo: %q", b)
	}

	// The owner reads English: the phone's language, and its labels with it.
	p.eval(`(() => { const s = document.querySelector('#phone-0 .lang'); s.value = 'en'; s.dispatchEvent(new Event('change')); return ''; })()`)
	p.wait("the owner's phone in English", `document.querySelector('#phone-0 .menu-button').textContent.includes('Menu')`)

	// The owner files a problem from the command menu.
	p.click("#phone-0 .menu-button")
	p.wait("the owner's menu", `[...document.querySelectorAll('#phone-0 .menu .cmd')].some((c) => c.textContent === '/new')`)
	p.answered(0, "/new", func() {
		p.eval(`([...document.querySelectorAll('#phone-0 .menu button')].find((b) => b.querySelector('.cmd').textContent === '/new').click(), '')`)
	})
	first := p.file(1, xss+" The transformer is too small for the new line.")

	// The cadre's phone gets it, the markup as text; signs, and resolves with a photo.
	p.wait("the assignment on the cadre's phone", js("chat(1).includes(%v)", first))
	for i := range 2 {
		if !strings.Contains(p.chat(i), xss) {
			t.Fatalf("phone %d does not show the description as typed:\n%s", i, p.chat(i))
		}
	}
	if n := p.eval(`String(document.querySelectorAll('img:not(.photo), img[src="x"]').length)`); n != "0" {
		t.Fatalf("%s img elements came from what was typed", n)
	}
	p.press(1, "✍ 签收")
	p.press(1, "✅ 办结")
	p.say(1, "已更换 800kVA 变压器，新生产线已投产。")
	p.answered(1, "the sample photo", func() { p.click("#phone-1 .sample-photo") })
	p.press(1, "完成")
	p.press(1, "✔ 确认提交")

	// The owner sees the photo, says it is solved and is satisfied.
	p.wait("the cadre's photo on the owner's phone", `[...document.querySelectorAll('#phone-0 .msg:not(.mine) img.photo')].some((i) => i.complete && i.naturalWidth > 0)`)
	p.press(0, "✅ Solved")
	p.press(0, "Satisfied")
	p.press(0, "Skip")
	p.wait("the case closed", js("chat(0).includes(%v)", "Problem "+first+" is now closed"))

	// A second case, left unsigned: a day on, the cadre is told it is overdue.
	p.say(0, "/new")
	second := p.file(2, "The road to the plant floods after rain.")
	if second == first {
		t.Fatalf("the second case has the first's ticket %s", first)
	}
	p.wait("the second assignment on the cadre's phone", js("chat(1).includes(%v)", second))
	overdue := js("[...document.querySelectorAll('#phone-1 .msg:not(.mine)')].some((m) => m.innerText.includes('已超期') && m.innerText.includes(%v))", second)
	// A day on from a Friday is a Saturday, when reminders wait for the working morning:
	// days are moved on until one is a working day (a holiday of a week included).
	for day := 1; ; day++ {
		p.click("#plus-day")
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](overdue, chromedp.WithPollingTimeout(8*time.Second))); err == nil {
			break
		} else if day == 10 {
			t.Fatalf("no overdue reminder of %s after %d days: %v\n%s", second, day, err, p.chat(1))
		}
	}
	if n := dialogs.Load(); n != 0 {
		t.Fatalf("%d dialogs opened: markup typed by a person ran", n)
	}

	// The cadre put on WeCom: the phone takes WeCom's skin, and a third case reaches it as a
	// template card, its description as text; pressing the card's button signs it, the card
	// shows the choice, and the owner on Telegram is told.
	p.eval(`(() => { const s = document.querySelector('#phone-1 .platform'); s.value = 'wecom'; s.dispatchEvent(new Event('change')); return ''; })()`)
	p.wait("the cadre's phone in WeCom's skin", `document.querySelector('#phone-1').classList.contains('wecom') &&
		document.querySelector('#phone-1 .who .app').textContent !== '' && !document.querySelector('#phone-0').classList.contains('wecom')`)
	p.say(0, "/new")
	third := p.fileIn(3, "Land use", xss+" The plant's new warehouse has no land permit yet.")
	// The assignment comes as its text (the description as typed) and a card with its buttons.
	p.wait("the third case on the WeCom phone", js("chat(1).includes(%v) && chat(1).includes(%v)", third, xss+" The plant's new warehouse"))
	last := "[...document.querySelectorAll('#phone-1 .card')].at(-1)"
	p.wait("the third case's WeCom card", last+" !== undefined && [..."+last+".querySelectorAll('.card-buttons button')].some((b) => b.textContent === '✍ 签收')")
	card := js("document.querySelector('#phone-1 .card[data-task=\"' + CSS.escape(%v) + '\"]')", p.eval(last+".dataset.task"))
	if n := p.eval("String(document.querySelectorAll('#phone-1 img[src=\"x\"]').length)"); n != "0" {
		t.Fatalf("the description's markup made %s images on the WeCom phone", n)
	}
	p.eval("([..." + card + ".querySelectorAll('.card-buttons button')].find((b) => b.textContent === '✍ 签收').click(), '')")
	p.wait("the card showing the choice", card+".querySelector('.card-buttons button.done') !== null && "+
		card+".querySelector('.card-buttons button.done').textContent === '✍ 签收' && "+
		"[..."+card+".querySelectorAll('.card-buttons button')].every((b) => b.disabled)")
	p.wait("the signing on the owner's phone", js("chat(0).includes(%v)", "has signed for your problem "+third))

	// The screenshot README opens with: the owner on Telegram, the cadre on WeCom, the office.
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("BANGBAN_TEST_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "bangban-demo-phones.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("the three phones: %s", path)
	if *updateDemoPNG {
		if err := os.WriteFile("../../docs/demo.png", shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if n := dialogs.Load(); n != 0 {
		t.Fatalf("%d dialogs opened: markup typed by a person ran", n)
	}
}
