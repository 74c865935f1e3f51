// Command loadref is the yardstick of `bangban load`: the report dialog that load's reporters
// play (/new, a category, a description, no files, no place, the urgency, confirm, the ticket
// number), written directly on go-telegram/bot in the way its examples are, with the session
// in Redis and the case inserted in Postgres. It keeps none of bangban's promises (no update
// survives a crash, no limit is kept, no access is checked); it shows what the same machine
// and driver give a bare bot, so that load's figures can be read against it:
//
//	go build -o /tmp/loadref ./tools/loadref
//	bangban load -binary /tmp/loadref -users 200 -send-per-second 1000 -reports 8
//
// It reads the environment `bangban load` gives serve (TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL,
// DATABASE_URL, REDIS_URL, BANGBAN_REDIS_PREFIX, LISTEN_ADDR, WEBHOOK_URL, WEBHOOK_SECRET).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

var categories = []string{"融资", "用地", "用工", "审批办证", "产销对接", "科技人才", "数字化转型", "政策落实"}

// session is where a reporter is in the dialog.
type session struct {
	Step     string `json:"step"`
	Category string `json:"category,omitempty"`
	Desc     string `json:"desc,omitempty"`
	Urgency  string `json:"urgency,omitempty"`
}

type ref struct {
	rdb    *redis.Client
	db     *pgxpool.Pool
	prefix string
}

func main() {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: loadref serve")
		os.Exit(2)
	}
	if err := run(); err != nil {
		slog.Error("loadref", "error", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ropts, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	db, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS loadref_cases (id bigserial PRIMARY KEY, user_id bigint NOT NULL,
		category text NOT NULL, description text NOT NULL, urgency text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	r := &ref{rdb: redis.NewClient(ropts), db: db, prefix: os.Getenv("BANGBAN_REDIS_PREFIX") + "loadref:"}
	opts := []tgbot.Option{tgbot.WithServerURL(os.Getenv("TELEGRAM_API_URL")), tgbot.WithDefaultHandler(r.handle)}
	hook := os.Getenv("WEBHOOK_URL")
	if hook != "" {
		opts = append(opts, tgbot.WithWebhookSecretToken(os.Getenv("WEBHOOK_SECRET")))
	}
	b, err := tgbot.New(os.Getenv("TELEGRAM_BOT_TOKEN"), opts...)
	if err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	if hook == "" {
		if _, err := b.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			return fmt.Errorf("deleteWebhook: %w", err)
		}
		b.Start(ctx)
		return nil
	}
	srv := &http.Server{Addr: os.Getenv("LISTEN_ADDR"), Handler: b.WebhookHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go b.StartWebhook(ctx)
	if _, err := b.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: hook, SecretToken: os.Getenv("WEBHOOK_SECRET"), MaxConnections: 100}); err != nil {
		return fmt.Errorf("setWebhook: %w", err)
	}
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (r *ref) load(ctx context.Context, user int64) (session, error) {
	var s session
	raw, err := r.rdb.Get(ctx, r.prefix+strconv.FormatInt(user, 10)).Bytes()
	if errors.Is(err, redis.Nil) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(raw, &s)
}

func (r *ref) save(ctx context.Context, user int64, s session) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return r.rdb.Set(ctx, r.prefix+strconv.FormatInt(user, 10), raw, 24*time.Hour).Err()
}

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

func (r *ref) handle(ctx context.Context, b *tgbot.Bot, upd *models.Update) {
	if err := r.step(ctx, b, upd); err != nil {
		slog.Error("step", "error", err)
	}
}

func (r *ref) step(ctx context.Context, b *tgbot.Bot, upd *models.Update) error {
	if m := upd.Message; m != nil && m.From != nil {
		chat := m.Chat.ID
		switch {
		case strings.HasPrefix(m.Text, "/start"):
			_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "欢迎"})
			return err
		case m.Text == "/new":
			var rows [][]models.InlineKeyboardButton
			for i := 0; i < len(categories); i += 2 {
				rows = append(rows, []models.InlineKeyboardButton{{Text: categories[i], CallbackData: "c:" + strconv.Itoa(i)},
					{Text: categories[i+1], CallbackData: "c:" + strconv.Itoa(i+1)}})
			}
			if err := r.save(ctx, m.From.ID, session{Step: "category"}); err != nil {
				return err
			}
			_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "问题属于哪一类？", ReplyMarkup: keyboard(rows...)})
			return err
		}
		s, err := r.load(ctx, m.From.ID)
		if err != nil || s.Step != "desc" {
			return err
		}
		s.Desc, s.Step = m.Text, "files"
		if err := r.save(ctx, m.From.ID, s); err != nil {
			return err
		}
		_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: "可以发送照片或文件，没有就跳过。",
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "跳过", CallbackData: "skip"}})})
		return err
	}
	q := upd.CallbackQuery
	if q == nil || q.Message.Message == nil {
		return nil
	}
	if _, err := b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: q.ID}); err != nil {
		return err
	}
	chat, msg := q.Message.Message.Chat.ID, q.Message.Message.ID
	s, err := r.load(ctx, q.From.ID)
	if err != nil {
		return err
	}
	edit := func(text string, markup models.ReplyMarkup) error {
		_, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: msg, Text: text, ReplyMarkup: markup})
		return err
	}
	switch {
	case s.Step == "category" && strings.HasPrefix(q.Data, "c:"):
		i, _ := strconv.Atoi(strings.TrimPrefix(q.Data, "c:"))
		s.Category, s.Step = categories[i%len(categories)], "desc"
		if err := r.save(ctx, q.From.ID, s); err != nil {
			return err
		}
		return edit("请描述遇到的问题。", nil)
	case s.Step == "files" && q.Data == "skip":
		s.Step = "place"
		if err := r.save(ctx, q.From.ID, s); err != nil {
			return err
		}
		return edit("如需说明位置，请发送位置，没有就跳过。", keyboard([]models.InlineKeyboardButton{{Text: "跳过", CallbackData: "skip"}}))
	case s.Step == "place" && q.Data == "skip":
		s.Step = "urgency"
		if err := r.save(ctx, q.From.ID, s); err != nil {
			return err
		}
		return edit("紧急程度？", keyboard([]models.InlineKeyboardButton{{Text: "普通", CallbackData: "u:normal"}, {Text: "紧急", CallbackData: "u:urgent"}}))
	case s.Step == "urgency" && strings.HasPrefix(q.Data, "u:"):
		s.Urgency, s.Step = strings.TrimPrefix(q.Data, "u:"), "confirm"
		if err := r.save(ctx, q.From.ID, s); err != nil {
			return err
		}
		return edit("请确认：\n"+s.Category+"\n"+s.Desc, keyboard([]models.InlineKeyboardButton{{Text: "✔ 确认提交", CallbackData: "ok"}}))
	case s.Step == "confirm" && q.Data == "ok":
		var id int64
		if err := r.db.QueryRow(ctx, "INSERT INTO loadref_cases (user_id, category, description, urgency) VALUES ($1, $2, $3, $4) RETURNING id",
			q.From.ID, s.Category, s.Desc, s.Urgency).Scan(&id); err != nil {
			return err
		}
		if err := r.rdb.Del(ctx, r.prefix+strconv.FormatInt(q.From.ID, 10)).Err(); err != nil {
			return err
		}
		if _, err := b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: msg,
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}}); err != nil {
			return err
		}
		_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: fmt.Sprintf("已受理，编号 R%06d。", id)})
		return err
	}
	return nil
}
