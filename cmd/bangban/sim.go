package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/bangban/bangban/bot/telegramtest"
)

// simulate runs the Bot API simulator on a fixed address and plays one user from the
// terminal: each line typed is sent as a message, "!N" presses button N of the bot's last
// message with buttons, and the bot's messages are printed as they arrive. It is for trying
// bangban without Telegram: point the bot's TELEGRAM_API_URL at the address.
func simulate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8081", "address the simulated Bot API listens on")
	lang := fs.String("lang", "zh-hans", "the played user's Telegram language_code")
	id := fs.Int64("user", 1001, "the played user's Telegram id")
	name := fs.String("name", "Demo", "the played user's first name")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "bangban sim: listen on %s: %v\n", *listen, err)
		return 1
	}
	sim := telegramtest.New(telegramtest.WithListener(ln))
	defer sim.Close()
	user := telegramtest.User{ID: *id, FirstName: *name, LanguageCode: *lang}
	fmt.Fprintf(stdout, "Bot API simulator at %s (TELEGRAM_API_URL=%s)\n", sim.URL(), sim.URL())
	fmt.Fprintln(stdout, "Type a message and Enter to send it; !N presses button N; Ctrl-D quits.")

	var (
		mu   sync.Mutex
		last telegramtest.Message
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		shown := 0
		for {
			msgs, err := sim.WaitMessages(ctx, user.ID, shown+1)
			if err != nil {
				return
			}
			for _, m := range msgs[shown:] {
				text := m.Text
				if m.PhotoFileID != "" {
					text = "🖼 " + m.Caption
				}
				fmt.Fprintf(stdout, "\n[bot] %s\n", text)
				n := 0
				for _, row := range m.Buttons {
					for _, b := range row {
						n++
						fmt.Fprintf(stdout, "  !%d %s\n", n, b.Text)
					}
				}
				if n > 0 {
					mu.Lock()
					last = m
					mu.Unlock()
				}
			}
			shown = len(msgs)
		}
	}()

	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(line, "!")); strings.HasPrefix(line, "!") && err == nil {
			mu.Lock()
			m := last
			mu.Unlock()
			var flat []telegramtest.Button
			for _, row := range m.Buttons {
				flat = append(flat, row...)
			}
			if n < 1 || n > len(flat) {
				fmt.Fprintf(stderr, "no button %d on the last message\n", n)
				continue
			}
			sim.PressButton(user, m, flat[n-1].CallbackData)
			continue
		}
		sim.SendText(user, line)
	}
	cancel()
	<-printed
	return 0
}
