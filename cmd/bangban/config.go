package main

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/calendar"
)

// Config is everything bangban reads from its environment (DESIGN.md §7), parsed and
// checked once at start.
type Config struct {
	Token         string
	APIURL        string
	WebhookURL    string
	WebhookSecret string
	ListenAddr    string
	DatabaseURL   string
	RedisURL      string
	Location      *time.Location
	Lang          string
	// Beyond DESIGN.md §7: the ticket prefix (DESIGN.md §3 makes it configurable), the Redis
	// key prefix (several deployments on one Redis), and the log format and level.
	TicketPrefix string
	RedisPrefix  string
	LogLevel     slog.Level
	LogJSON      bool
	// The 13710 limits and the calendar their working days come from (DESIGN.md §4.1):
	// every number configurable, calendar days unless BANGBAN_WORKING_DAYS names the rule.
	Limits   store.Limits
	Calendar *calendar.Calendar
	// What one person may send (a burst, then a rate a second) before more is dropped.
	IncomingBurst, IncomingPerSecond int
	// Telegram's send limits as the bot keeps them.
	Send bot.SendLimits
	// ReorderWindow is how long a webhook replica holds a new update for earlier ones of its
	// chat that may be arriving at another replica.
	ReorderWindow time.Duration
	// PprofAddr, when set, serves Go's profiles there (for measuring; keep it private).
	PprofAddr string
	// DemoAddr is where `bangban demo` serves its page: a loopback address only.
	DemoAddr string
	// How long one send to Telegram, one job, may take, and when a job still running is taken
	// for lost: each shorter than the next, so that no send is under way when its job is
	// run again.
	SendTimeout, JobTimeout, RescueAfter time.Duration
	// SatisfactionFloor is the satisfaction rate, in per cent, under which the weekly
	// bulletin names a handling unit.
	SatisfactionFloor float64
	// Files is where the city keeps the photos and documents attached to cases (DESIGN.md §6):
	// a local directory (BANGBAN_FILES_DIR), or an S3-compatible bucket (BANGBAN_S3_URL).
	Files files.Config
	// WeCom is the WeCom (企业微信) app, when its settings are present: a second front end
	// beside Telegram, or the only one.
	WeCom WeComConfig
	// Settings are the variables as read, in the order read, with their effective values:
	// what `bangban config` prints.
	Settings []Setting
}

// WeComConfig is a WeCom self-built app (自建应用): the corporation, the app and its secret,
// the callback's token and EncodingAESKey, where the callbacks are taken, and WeCom's API.
type WeComConfig struct {
	CorpID       string
	AgentID      int64
	Secret       string
	Token        string
	AESKey       string
	CallbackPath string
	APIURL       string
	// PublicURL is the server's address as members reach it, for the invite links that open
	// the app (WeCom's OAuth2 page sends the member back under it); "" makes no such link.
	PublicURL string
}

// Enabled says whether the WeCom app is configured.
func (w WeComConfig) Enabled() bool { return w.CorpID != "" }

// Setting is one variable as the configuration took it: its effective value, and whether the
// environment set it (rather than the default).
type Setting struct {
	Name, Value string
	Set         bool
}

// ConfigError names the variable that is wrong and what is wrong with it, in one line.
type ConfigError struct {
	Var     string
	Problem string
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Problem }

var (
	tokenRe        = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$`)
	secretRe       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	ticketPrefixRe = regexp.MustCompile(`^[A-Z]{1,6}$`)
)

// loadConfig reads the configuration through getenv. The token is required only when the
// bot is to run (serve); migrate and version do without it.
func loadConfig(getenv func(string) string, needToken bool) (Config, error) {
	var settings []Setting
	env := func(name, def string) string {
		got := Setting{Name: name, Value: def}
		if v := strings.TrimSpace(getenv(name)); v != "" {
			got.Value, got.Set = v, true
		}
		if i := slices.IndexFunc(settings, func(s Setting) bool { return s.Name == name }); i >= 0 {
			settings[i] = got
		} else {
			settings = append(settings, got)
		}
		return got.Value
	}
	c := Config{
		Token:         env("TELEGRAM_BOT_TOKEN", ""),
		APIURL:        strings.TrimRight(env("TELEGRAM_API_URL", "https://api.telegram.org"), "/"),
		WebhookURL:    env("WEBHOOK_URL", ""),
		WebhookSecret: env("WEBHOOK_SECRET", ""),
		ListenAddr:    env("LISTEN_ADDR", ":8080"),
		DatabaseURL:   env("DATABASE_URL", "postgres://localhost:5432/bangban?sslmode=disable"),
		RedisURL:      env("REDIS_URL", "redis://localhost:6379/0"),
		Lang:          env("BANGBAN_LANG", dialog.LangZH),
		TicketPrefix:  env("BANGBAN_TICKET_PREFIX", store.DefaultTicketPrefix),
		RedisPrefix:   env("BANGBAN_REDIS_PREFIX", "bangban:"),
	}
	bad := func(name, format string, args ...any) (Config, error) {
		return Config{}, &ConfigError{Var: name, Problem: fmt.Sprintf(format, args...)}
	}
	if name, problem := readWeCom(&c.WeCom, env); name != "" {
		return bad(name, "%s", problem)
	}

	switch {
	case c.Token == "" && needToken && !c.WeCom.Enabled():
		return bad("TELEGRAM_BOT_TOKEN", "not set (the token BotFather gave the bot), nor WECOM_CORP_ID (a WeCom app)")
	case c.Token != "" && !tokenRe.MatchString(c.Token):
		// Never echo the token: it is a secret even when malformed.
		return bad("TELEGRAM_BOT_TOKEN", "malformed (want digits, a colon, then letters, digits, _ or -)")
	}
	if err := checkHTTPURL(c.APIURL); err != nil {
		return bad("TELEGRAM_API_URL", "%v", err)
	}
	if c.WebhookURL != "" {
		if err := checkHTTPURL(c.WebhookURL); err != nil {
			return bad("WEBHOOK_URL", "%v", err)
		}
		if c.WebhookSecret == "" {
			return bad("WEBHOOK_SECRET", "required when WEBHOOK_URL is set, so that only Telegram can post updates")
		}
	}
	if u, err := url.Parse(c.WebhookURL); c.WebhookURL != "" && c.WeCom.Enabled() && err == nil && cmp.Or(u.Path, "/") == c.WeCom.CallbackPath {
		return bad("WECOM_CALLBACK_PATH", "%q is the path of WEBHOOK_URL too: Telegram's updates and WeCom's callbacks need paths of their own", c.WeCom.CallbackPath)
	}
	if c.WebhookSecret != "" && !secretRe.MatchString(c.WebhookSecret) {
		return bad("WEBHOOK_SECRET", "must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if err := checkListenAddr(c.ListenAddr); err != nil {
		return bad("LISTEN_ADDR", "%v", err)
	}
	if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
		return bad("DATABASE_URL", "not a valid Postgres URL (%s)", firstLine(err))
	}
	if _, err := redisOptions(c.RedisURL); err != nil {
		return bad("REDIS_URL", "not a valid Redis URL (%s)", firstLine(err))
	}
	tz := env("BANGBAN_TIMEZONE", "Asia/Shanghai")
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return bad("BANGBAN_TIMEZONE", "unknown time zone %q (want an IANA name such as Asia/Shanghai)", tz)
	}
	c.Location = loc
	if !dialog.IsLanguage(c.Lang) {
		return bad("BANGBAN_LANG", "unsupported language %q (want %s)", c.Lang, strings.Join(dialog.Languages, " or "))
	}
	if !ticketPrefixRe.MatchString(c.TicketPrefix) {
		return bad("BANGBAN_TICKET_PREFIX", "%q is not 1 to 6 capital letters", c.TicketPrefix)
	}
	if strings.ContainsAny(c.RedisPrefix, " \t\r\n") {
		return bad("BANGBAN_REDIS_PREFIX", "must not contain spaces")
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		return bad("LOG_LEVEL", "want debug, info, warn or error")
	}
	switch f := env("LOG_FORMAT", "text"); f {
	case "text":
	case "json":
		c.LogJSON = true
	default:
		return bad("LOG_FORMAT", "%q is neither text nor json", f)
	}
	// The limits' defaults and largest values are the store's.
	d, m := store.DefaultLimits, store.MaxLimits
	for _, l := range []struct {
		name     string
		into     *int
		def, max int
	}{
		{"BANGBAN_SIGN_DAYS", &c.Limits.SignDays, d.SignDays, m.SignDays},
		{"BANGBAN_URGENT_SIGN_HOURS", &c.Limits.UrgentSignHours, d.UrgentSignHours, m.UrgentSignHours},
		{"BANGBAN_FEEDBACK_DAYS", &c.Limits.FeedbackDays, d.FeedbackDays, m.FeedbackDays},
		{"BANGBAN_RESOLVE_DAYS", &c.Limits.ResolveDays, d.ResolveDays, m.ResolveDays},
		{"BANGBAN_COMPLEX_MONTHS", &c.Limits.ComplexMonths, d.ComplexMonths, m.ComplexMonths},
		{"BANGBAN_HANDBACK_DAYS", &c.Limits.HandBackDays, d.HandBackDays, m.HandBackDays},
		{"BANGBAN_RATING_DAYS", &c.Limits.FeedbackWindowDays, d.FeedbackWindowDays, m.FeedbackWindowDays},
		{"BANGBAN_DUE_SOON_HOURS", &c.Limits.DueSoonHours, d.DueSoonHours, m.DueSoonHours},
		{"BANGBAN_NAMED_AFTER_DAYS", &c.Limits.NamedAfterDays, d.NamedAfterDays, m.NamedAfterDays},
		{"BANGBAN_ESCALATE_AFTER", &c.Limits.EscalateAfter, d.EscalateAfter, m.EscalateAfter},
	} {
		v := env(l.name, strconv.Itoa(l.def))
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > l.max {
			return bad(l.name, "%q is not a whole number from 1 to %d", v, l.max)
		}
		*l.into = n
	}
	floor := strings.TrimSuffix(env("BANGBAN_SATISFACTION_FLOOR", strconv.FormatFloat(store.DefaultSatisfactionFloor, 'f', -1, 64)), "%")
	if f, err := strconv.ParseFloat(strings.TrimSpace(floor), 64); err != nil || f < 1 || f > 100 {
		return bad("BANGBAN_SATISFACTION_FLOOR", "%q is not a per cent from 1 to 100", floor)
	} else {
		c.SatisfactionFloor = f
	}
	c.Limits.WorkingDays = map[string]bool{}
	rules := []string{store.LimitSign, store.LimitFeedback, store.LimitResolve, store.LimitComplex, store.LimitHandBack, store.LimitRating}
	switch v := env("BANGBAN_WORKING_DAYS", "none"); v {
	case "none":
	case "all":
		for _, r := range rules {
			c.Limits.WorkingDays[r] = true
		}
	default:
		for _, r := range strings.Split(v, ",") {
			r = strings.TrimSpace(r)
			if !slices.Contains(rules, r) {
				return bad("BANGBAN_WORKING_DAYS", "%q is not a rule (want all, none, or a comma list of %s)", r, strings.Join(rules, ", "))
			}
			c.Limits.WorkingDays[r] = true
		}
	}
	hours := env("BANGBAN_WORKING_HOURS", clock(store.DefaultLimits.WorkStart)+"-"+clock(store.DefaultLimits.WorkEnd))
	from, to, ok := strings.Cut(hours, "-")
	start, err1 := time.Parse("15:04", strings.TrimSpace(from))
	end, err2 := time.Parse("15:04", strings.TrimSpace(to))
	if !ok || err1 != nil || err2 != nil || !start.Before(end) {
		return bad("BANGBAN_WORKING_HOURS", "%q is not HH:MM-HH:MM with the start before the end", hours)
	}
	c.Limits.WorkStart = time.Duration(start.Hour())*time.Hour + time.Duration(start.Minute())*time.Minute
	c.Limits.WorkEnd = time.Duration(end.Hour())*time.Hour + time.Duration(end.Minute())*time.Minute
	cal, err := calendar.Load(env("BANGBAN_CALENDAR", ""))
	if err != nil {
		return bad("BANGBAN_CALENDAR", "%s", firstLine(err))
	}
	c.Calendar = cal
	for _, l := range []struct {
		name     string
		into     *int
		def, max int
	}{
		{"BANGBAN_INCOMING_BURST", &c.IncomingBurst, 20, 1000},
		{"BANGBAN_INCOMING_PER_SECOND", &c.IncomingPerSecond, 3, 1000},
		{"BANGBAN_SEND_PER_SECOND", &c.Send.PerSecond, 28, 1000},
		{"BANGBAN_SEND_NOTIFY_PER_SECOND", &c.Send.BulkPerSecond, 22, 1000},
		{"BANGBAN_CHAT_BURST", &c.Send.ChatBurst, 4, 20},
		{"BANGBAN_GROUP_PER_MINUTE", &c.Send.GroupPerMinute, 19, 1000},
	} {
		v := env(l.name, strconv.Itoa(l.def))
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > l.max {
			return bad(l.name, "%q is not a whole number from 1 to %d", v, l.max)
		}
		*l.into = n
	}
	for _, d := range []struct {
		name  string
		into  *time.Duration
		def   string
		least time.Duration
	}{
		{"BANGBAN_CHAT_GAP", &c.Send.ChatGap, "1.1s", time.Millisecond},
		{"BANGBAN_REORDER_WINDOW", &c.ReorderWindow, "10ms", 0},
		{"BANGBAN_SEND_TIMEOUT", &c.SendTimeout, "15s", 100 * time.Millisecond},
		{"BANGBAN_JOB_TIMEOUT", &c.JobTimeout, "45s", 100 * time.Millisecond},
		{"BANGBAN_JOB_RESCUE_AFTER", &c.RescueAfter, "90s", 100 * time.Millisecond},
	} {
		v := env(d.name, d.def)
		n, err := time.ParseDuration(v)
		if err != nil || n < d.least || n > time.Hour {
			return bad(d.name, "%q is not a duration from %s to 1h (such as %s)", v, d.least, d.def)
		}
		*d.into = n
	}
	c.PprofAddr = env("BANGBAN_PPROF_ADDR", "")
	if c.PprofAddr != "" {
		if err := checkListenAddr(c.PprofAddr); err != nil {
			return bad("BANGBAN_PPROF_ADDR", "%v", err)
		}
	}
	c.DemoAddr = env("BANGBAN_DEMO_ADDR", "127.0.0.1:8090")
	if err := checkListenAddr(c.DemoAddr); err != nil {
		return bad("BANGBAN_DEMO_ADDR", "%v", err)
	}
	if host, _, _ := net.SplitHostPort(c.DemoAddr); host != "localhost" && !isLoopback(host) {
		return bad("BANGBAN_DEMO_ADDR", "%q is not a 127.0.0.1 address: the demo's page is for this machine only", c.DemoAddr)
	}
	if c.Send.BulkPerSecond > c.Send.PerSecond {
		return bad("BANGBAN_SEND_NOTIFY_PER_SECOND", "%d is more than BANGBAN_SEND_PER_SECOND (%d): notifications are a share of it", c.Send.BulkPerSecond, c.Send.PerSecond)
	}
	if c.SendTimeout >= c.JobTimeout {
		return bad("BANGBAN_JOB_TIMEOUT", "%s must be longer than BANGBAN_SEND_TIMEOUT (%s)", c.JobTimeout, c.SendTimeout)
	}
	if c.JobTimeout >= c.RescueAfter {
		return bad("BANGBAN_JOB_RESCUE_AFTER", "%s must be longer than BANGBAN_JOB_TIMEOUT (%s)", c.RescueAfter, c.JobTimeout)
	}
	if s3 := env("BANGBAN_S3_URL", ""); s3 != "" {
		if env("BANGBAN_FILES_DIR", "") != "" {
			return bad("BANGBAN_S3_URL", "set together with BANGBAN_FILES_DIR: files are kept in one place, so unset one of them")
		}
		sc, err := files.ParseS3URL(s3)
		if err != nil {
			// The URL holds a secret: the problem is told, the URL never repeated.
			return bad("BANGBAN_S3_URL", "%v", err)
		}
		c.Files.S3 = &sc
	} else {
		c.Files.Dir = env("BANGBAN_FILES_DIR", files.DefaultDir)
		if fi, err := os.Stat(c.Files.Dir); err == nil && !fi.IsDir() {
			return bad("BANGBAN_FILES_DIR", "%q is not a directory", c.Files.Dir)
		}
	}
	c.Settings = settings
	return c, nil
}

var (
	wecomIDRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	wecomKeyRe = regexp.MustCompile(`^[A-Za-z0-9]{43}$`)
)

// readWeCom reads the WeCom app's settings: none of them, or all five that make the app. It
// returns the variable that is wrong and what is wrong with it, or "".
func readWeCom(w *WeComConfig, env func(name, def string) string) (name, problem string) {
	w.CorpID = env("WECOM_CORP_ID", "")
	agent := env("WECOM_AGENT_ID", "")
	w.Secret = env("WECOM_SECRET", "")
	w.Token = env("WECOM_TOKEN", "")
	w.AESKey = env("WECOM_AES_KEY", "")
	w.CallbackPath = env("WECOM_CALLBACK_PATH", "/wecom")
	w.APIURL = strings.TrimRight(env("WECOM_API_URL", "https://qyapi.weixin.qq.com"), "/")
	w.PublicURL = strings.TrimRight(env("WECOM_PUBLIC_URL", ""), "/")
	if w.CorpID == "" && agent == "" && w.Secret == "" && w.Token == "" && w.AESKey == "" {
		if w.PublicURL != "" {
			return "WECOM_PUBLIC_URL", "set, while the WeCom app is not (WECOM_CORP_ID and the others)"
		}
		return "", ""
	}
	for _, v := range []struct{ name, value string }{{"WECOM_CORP_ID", w.CorpID}, {"WECOM_AGENT_ID", agent},
		{"WECOM_SECRET", w.Secret}, {"WECOM_TOKEN", w.Token}, {"WECOM_AES_KEY", w.AESKey}} {
		if v.value == "" {
			return v.name, "not set, while other WECOM_ settings are: the WeCom app needs WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN and WECOM_AES_KEY"
		}
	}
	n, err := strconv.ParseInt(agent, 10, 64)
	switch {
	case !wecomIDRe.MatchString(w.CorpID):
		return "WECOM_CORP_ID", "malformed (want the corporation's id, such as ww0123456789abcdef)"
	case err != nil || n <= 0:
		return "WECOM_AGENT_ID", fmt.Sprintf("%q is not the app's AgentId (a positive whole number)", agent)
	case !secretRe.MatchString(w.Secret):
		// Never echo a secret, even a malformed one.
		return "WECOM_SECRET", "malformed (want letters, digits, _ or -)"
	case !wecomIDRe.MatchString(w.Token):
		return "WECOM_TOKEN", "malformed (want up to 64 letters, digits, _ or -, as the app's callback settings give it)"
	case !wecomKeyRe.MatchString(w.AESKey):
		return "WECOM_AES_KEY", "malformed (want the 43 letters and digits of the app's EncodingAESKey)"
	case !strings.HasPrefix(w.CallbackPath, "/") || strings.ContainsAny(w.CallbackPath, " ?#{}"):
		return "WECOM_CALLBACK_PATH", fmt.Sprintf("%q is not a path (want one such as /wecom)", w.CallbackPath)
	}
	if err := checkHTTPURL(w.APIURL); err != nil {
		return "WECOM_API_URL", err.Error()
	}
	if w.PublicURL != "" {
		if err := checkHTTPURL(w.PublicURL); err != nil {
			return "WECOM_PUBLIC_URL", err.Error()
		}
		if u, _ := url.Parse(w.PublicURL); u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(w.PublicURL, "?") {
			return "WECOM_PUBLIC_URL", fmt.Sprintf("%q has a query or fragment (want the server's address, such as https://bangban.example.gov.cn)", w.PublicURL)
		}
	}
	w.AgentID = n
	return "", ""
}

// secretParam is a password given as a parameter of a URL or a key=value connection string.
var secretParam = regexp.MustCompile(`(?i)(password|secret)=[^&\s]*`)

// Redacted is a setting's value as it may be shown: the token's bot id without its secret,
// the webhook secret as stars, and URLs without their passwords.
func (s Setting) Redacted() string {
	if s.Value == "" {
		return ""
	}
	switch s.Name {
	case "TELEGRAM_BOT_TOKEN":
		id, _, _ := strings.Cut(s.Value, ":")
		return id + ":***"
	case "WEBHOOK_SECRET", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY":
		return "***"
	}
	v := s.Value
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			v = u.Redacted()
		}
	}
	return secretParam.ReplaceAllString(v, "${1}=xxxxx")
}

// clock writes a time of day given as the time since midnight: "08:30".
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// BotID is the numeric part of the token: it tells several bots' keys apart in Redis.
func (c Config) BotID() int64 {
	id, _ := strconv.ParseInt(strings.SplitN(c.Token, ":", 2)[0], 10, 64)
	return id
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// setByEnv tells whether the environment set the variable, rather than its default.
func (c Config) setByEnv(name string) bool {
	return slices.ContainsFunc(c.Settings, func(s Setting) bool { return s.Name == name && s.Set })
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL (%s)", firstLine(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http or https URL", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	return nil
}

func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (%s)", addr, firstLine(err))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// redisOptions reads REDIS_URL for go-redis' universal client, which keeps to the deadlines of
// each call (the dialog engine gives every round trip its own): a plain URL is one server; a
// master_name parameter means Sentinel (the URL's host and any addr parameters are
// sentinels); several addr parameters without master_name mean a Cluster. The pool's
// parameters go-redis reads from a URL (pool_size, min_idle_conns, pool_timeout,
// dial_timeout, read_timeout, ...) are kept whichever it is.
func redisOptions(raw string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	switch {
	case q.Get("master_name") != "":
		o, err := redis.ParseFailoverURL(raw)
		if err != nil {
			return nil, err
		}
		return withPool(&redis.UniversalOptions{ContextTimeoutEnabled: true, MasterName: o.MasterName, Addrs: o.SentinelAddrs, DB: o.DB,
			Username: o.Username, Password: o.Password, SentinelUsername: o.SentinelUsername,
			SentinelPassword: o.SentinelPassword, TLSConfig: o.TLSConfig},
			pool{o.PoolSize, o.MinIdleConns, o.MaxIdleConns, o.MaxActiveConns, o.MaxRetries,
				o.PoolTimeout, o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.ConnMaxIdleTime, o.ConnMaxLifetime}), nil
	case len(q["addr"]) > 0:
		o, err := redis.ParseClusterURL(raw)
		if err != nil {
			return nil, err
		}
		return withPool(&redis.UniversalOptions{ContextTimeoutEnabled: true, Addrs: o.Addrs, IsClusterMode: true, Username: o.Username,
			Password: o.Password, TLSConfig: o.TLSConfig},
			pool{o.PoolSize, o.MinIdleConns, o.MaxIdleConns, o.MaxActiveConns, o.MaxRetries,
				o.PoolTimeout, o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.ConnMaxIdleTime, o.ConnMaxLifetime}), nil
	default:
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, err
		}
		return withPool(&redis.UniversalOptions{ContextTimeoutEnabled: true, Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username,
			Password: o.Password, TLSConfig: o.TLSConfig, Protocol: o.Protocol},
			pool{o.PoolSize, o.MinIdleConns, o.MaxIdleConns, o.MaxActiveConns, o.MaxRetries,
				o.PoolTimeout, o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.ConnMaxIdleTime, o.ConnMaxLifetime}), nil
	}
}

// pool is what a Redis URL may say of the connections: go-redis keeps each in all three of
// its options types.
type pool struct {
	size, minIdle, maxIdle, maxActive, retries int
	wait, dial, read, write, idle, life        time.Duration
}

// defaultRedisPool is the most connections a process opens to each Redis server, unless
// REDIS_URL's pool_size says: every chat being answered holds one for each of its round trips,
// and go-redis's default (ten a CPU) keeps a busy moment's chats waiting for a connection
// rather than for Redis.
const defaultRedisPool = 100

func withPool(o *redis.UniversalOptions, p pool) *redis.UniversalOptions {
	if p.size == 0 {
		p.size = defaultRedisPool
	}
	o.PoolSize, o.MinIdleConns, o.MaxIdleConns, o.MaxActiveConns, o.MaxRetries = p.size, p.minIdle, p.maxIdle, p.maxActive, p.retries
	o.PoolTimeout, o.DialTimeout, o.ReadTimeout, o.WriteTimeout = p.wait, p.dial, p.read, p.write
	o.ConnMaxIdleTime, o.ConnMaxLifetime = p.idle, p.life
	return o
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
