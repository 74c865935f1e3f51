package main

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const goodToken = "123456789:AAH-test_token"

// Each malformed variable stops the program with status 2 and one line that names it.
func TestBadConfigGivesOneLineNamingTheVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, value string
		extra       map[string]string
		want        string // in the message, besides the variable's name
	}{
		{"TELEGRAM_BOT_TOKEN", "not a token", nil, "malformed"},
		{"TELEGRAM_BOT_TOKEN", "123:abc/../x", nil, "malformed"},
		{"TELEGRAM_API_URL", "ftp://api.telegram.org", nil, "not an http"},
		{"TELEGRAM_API_URL", "http://", nil, "no host"},
		{"BANGBAN_DEMO_ADDR", "0.0.0.0:8090", nil, "not a 127.0.0.1 address"},
		{"BANGBAN_DEMO_ADDR", "8090", nil, "not host:port"},
		{"WEBHOOK_URL", "bot.example.com/hook", map[string]string{"WEBHOOK_SECRET": "s3cret"}, "not an http"},
		{"WEBHOOK_SECRET", "", map[string]string{"WEBHOOK_URL": "https://bot.example.com/hook"}, "required when WEBHOOK_URL"},
		{"WEBHOOK_SECRET", "has spaces in it", nil, "1 to 256 characters"},
		{"LISTEN_ADDR", "8080", nil, "not host:port"},
		{"LISTEN_ADDR", ":http-alt", nil, "not a number"},
		{"LISTEN_ADDR", ":70000", nil, "not a number"},
		{"DATABASE_URL", "postgres://u:hunter2@db:port/x", nil, "not a valid Postgres URL"},
		{"REDIS_URL", "redis://cache:6379/notanumber", nil, "not a valid Redis URL"},
		{"REDIS_URL", "memcached://cache:11211", nil, "not a valid Redis URL"},
		{"BANGBAN_TIMEZONE", "Mars/Olympus_Mons", nil, "unknown time zone"},
		{"BANGBAN_TIMEZONE", "Local", nil, "unknown time zone"},
		{"BANGBAN_LANG", "fr", nil, "unsupported language"},
		{"BANGBAN_TICKET_PREFIX", "xc-1", nil, "capital letters"},
		{"LOG_LEVEL", "loud", nil, "debug, info"},
		{"LOG_FORMAT", "xml", nil, "neither text nor json"},
		{"BANGBAN_SIGN_DAYS", "0", nil, "from 1 to 30"},
		{"BANGBAN_URGENT_SIGN_HOURS", "4h", nil, "from 1 to 72"},
		{"BANGBAN_URGENT_SIGN_HOURS", "0", nil, "from 1 to 72"},
		{"BANGBAN_RESOLVE_DAYS", "seven", nil, "from 1 to 365"},
		{"BANGBAN_COMPLEX_MONTHS", "-1", nil, "from 1 to 24"},
		{"BANGBAN_RATING_DAYS", "1000", nil, "from 1 to 90"},
		{"BANGBAN_WORKING_DAYS", "sign,lunch", nil, `"lunch" is not a rule`},
		{"BANGBAN_CALENDAR", "/nonexistent/holidays.toml", nil, "open calendar"},
		{"BANGBAN_WORKING_HOURS", "18:00-08:30", nil, "start before the end"},
		{"BANGBAN_WORKING_HOURS", "nine to five", nil, "HH:MM-HH:MM"},
		{"BANGBAN_ESCALATE_AFTER", "0", nil, "from 1 to 20"},
		{"BANGBAN_SATISFACTION_FLOOR", "0", nil, "per cent from 1 to 100"},
		{"BANGBAN_SATISFACTION_FLOOR", "high", nil, "per cent from 1 to 100"},
		{"BANGBAN_INCOMING_BURST", "0", nil, "from 1 to 1000"},
		{"BANGBAN_INCOMING_PER_SECOND", "fast", nil, "from 1 to 1000"},
		{"BANGBAN_SEND_TIMEOUT", "15", nil, "not a duration"},
		{"BANGBAN_SEND_PER_SECOND", "0", nil, "from 1 to 1000"},
		{"BANGBAN_SEND_NOTIFY_PER_SECOND", "40", nil, "more than BANGBAN_SEND_PER_SECOND"},
		{"BANGBAN_CHAT_BURST", "50", nil, "from 1 to 20"},
		{"BANGBAN_CHAT_GAP", "1 s", nil, "not a duration"},
		{"BANGBAN_GROUP_PER_MINUTE", "x", nil, "from 1 to 1000"},
		{"BANGBAN_JOB_TIMEOUT", "10s", nil, "longer than BANGBAN_SEND_TIMEOUT"},
		{"BANGBAN_JOB_RESCUE_AFTER", "30s", nil, "longer than BANGBAN_JOB_TIMEOUT"},
		{"BANGBAN_FILES_DIR", "/dev/null", nil, "not a directory"},
		{"BANGBAN_S3_URL", "https://AKIA:hunter2@minio:9000/evidence", nil, "scheme must be s3"},
		{"BANGBAN_S3_URL", "s3://AKIA:hunter2@minio:9000", nil, "no bucket"},
		{"BANGBAN_S3_URL", "s3://minio:9000/evidence", nil, "no credentials"},
		{"BANGBAN_S3_URL", "s3://AKIA:hunter2 x@minio:port/evidence", nil, "not a URL"},
		{"BANGBAN_S3_URL", "s3://AKIA:hunter2@minio:9000/evidence?secure=0", nil, `unknown parameter "secure"`},
		{"BANGBAN_S3_URL", "s3://AKIA:hunter2@minio:9000/evidence", map[string]string{"BANGBAN_FILES_DIR": "/srv/files"}, "unset one"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			env := map[string]string{"TELEGRAM_BOT_TOKEN": goodToken, tc.name: tc.value}
			for k, v := range tc.extra {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"serve"}, envOf(env), nil, &stdout, &stderr)
			if code != 2 {
				t.Fatalf("exit status %d, want 2 (stderr %q)", code, stderr.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "bangban: "+tc.name+": ") || !strings.Contains(msg, tc.want) {
				t.Fatalf("stderr = %q, want one line naming %s and saying %q", msg, tc.name, tc.want)
			}
			for _, secret := range []string{"hunter2", "AAH-test_token"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("stderr %q leaks a secret", msg)
				}
			}
		})
	}
}

func TestServeNeedsTokenButMigrateDoesNot(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run([]string{"serve"}, envOf(nil), nil, &bytes.Buffer{}, &stderr); code != 2 ||
		!strings.HasPrefix(stderr.String(), "bangban: TELEGRAM_BOT_TOKEN: not set") {
		t.Fatalf("serve without a token: %d, %q", code, stderr.String())
	}
	if _, err := loadConfig(envOf(nil), false); err != nil {
		t.Fatalf("migrate's config without a token: %v", err)
	}
}

func TestDefaultsAndRedisTopologies(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(envOf(map[string]string{"TELEGRAM_BOT_TOKEN": goodToken}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "https://api.telegram.org" || c.ListenAddr != ":8080" || c.Lang != "zh-CN" ||
		c.Location.String() != "Asia/Shanghai" || c.TicketPrefix != "XC" || c.WebhookURL != "" || c.BotID() != 123456789 {
		t.Fatalf("defaults = %+v", c)
	}
	for raw, check := range map[string]func(addrs []string, master string, cluster bool) bool{
		"redis://localhost:6379/0": func(a []string, m string, c bool) bool { return len(a) == 1 && m == "" && !c },
		"redis://s1:26379?master_name=mymaster&addr=s2:26379": func(a []string, m string, c bool) bool {
			return len(a) == 2 && m == "mymaster"
		},
		"redis://n1:6379?addr=n2:6379&addr=n3:6379": func(a []string, m string, c bool) bool { return len(a) == 3 && c },
	} {
		o, err := redisOptions(raw)
		if err != nil || !check(o.Addrs, o.MasterName, o.IsClusterMode) {
			t.Errorf("%s: %+v, %v", raw, o, err)
		}
	}
	// The pool's parameters are kept, whichever kind of Redis the URL names.
	for _, raw := range []string{"redis://localhost:6379/0?pool_size=80&min_idle_conns=4&pool_timeout=3s&read_timeout=2s",
		"redis://s1:26379?master_name=mymaster&pool_size=80&min_idle_conns=4&pool_timeout=3s&read_timeout=2s",
		"redis://n1:6379?addr=n2:6379&pool_size=80&min_idle_conns=4&pool_timeout=3s&read_timeout=2s"} {
		o, err := redisOptions(raw)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if o.PoolSize != 80 || o.MinIdleConns != 4 || o.PoolTimeout != 3*time.Second || o.ReadTimeout != 2*time.Second {
			t.Errorf("%s: pool %d, min idle %d, pool timeout %s, read timeout %s", raw, o.PoolSize, o.MinIdleConns, o.PoolTimeout, o.ReadTimeout)
		}
	}
	if o, err := redisOptions("redis://localhost:6379/0"); err != nil || o.PoolSize != 100 {
		t.Errorf("without pool_size: %v; want the pool of 100", err)
	}
	if _, err := redisOptions("redis://localhost:6379/0?pool_size=many"); err == nil {
		t.Error("pool_size=many taken")
	}
}

func TestUnknownCommandAndVersion(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"frobnicate"}, envOf(nil), nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d, %q", code, stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"version"}, envOf(nil), nil, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "bangban ") {
		t.Fatalf("version: %d, %q", code, stdout.String())
	}
}

// The limits default to 13710 in calendar days (an urgent case's sign-for in 4 working hours);
// each number and each rule's count can be set.
func TestLimitsAreConfigurable(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(envOf(map[string]string{}), false)
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Limits; l.SignDays != 1 || l.UrgentSignHours != 4 || l.DueSoonHours != 4 || l.NamedAfterDays != 5 || l.EscalateAfter != 3 || l.FeedbackDays != 3 || l.ResolveDays != 7 || l.ComplexMonths != 1 ||
		l.HandBackDays != 2 || l.FeedbackWindowDays != 7 || len(l.WorkingDays) != 0 || len(c.Calendar.Years()) == 0 {
		t.Fatalf("defaults %+v", l)
	}
	dir := t.TempDir()
	file := dir + "/cal.toml"
	if err := os.WriteFile(file, []byte("[2031]\nholidays = [\"2031-01-01\"]\nworkdays = []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = loadConfig(envOf(map[string]string{"BANGBAN_RESOLVE_DAYS": "10", "BANGBAN_WORKING_DAYS": "sign, resolve",
		"BANGBAN_CALENDAR": file, "BANGBAN_WORKING_HOURS": "09:00-17:30", "BANGBAN_URGENT_SIGN_HOURS": "2"}), false)
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Limits; l.ResolveDays != 10 || l.UrgentSignHours != 2 || l.WorkStart != 9*time.Hour || l.WorkEnd != 17*time.Hour+30*time.Minute || !l.WorkingDays["sign"] || !l.WorkingDays["resolve"] || l.WorkingDays["feedback"] ||
		len(c.Calendar.Years()) != 1 || c.Calendar.Years()[0] != 2031 {
		t.Fatalf("set %+v, calendar %v", l, c.Calendar.Years())
	}
	c, err = loadConfig(envOf(map[string]string{"BANGBAN_WORKING_DAYS": "all"}), false)
	if err != nil || len(c.Limits.WorkingDays) != 6 {
		t.Fatalf("all: %v %v", c.Limits.WorkingDays, err)
	}
	if c.SatisfactionFloor != 85 {
		t.Fatalf("satisfaction floor %g by default", c.SatisfactionFloor)
	}
	c, err = loadConfig(envOf(map[string]string{"BANGBAN_SATISFACTION_FLOOR": "90.5%"}), false)
	if err != nil || c.SatisfactionFloor != 90.5 {
		t.Fatalf("satisfaction floor %g (%v)", c.SatisfactionFloor, err)
	}
}

// Files are kept in ./files unless BANGBAN_FILES_DIR names a directory, or BANGBAN_S3_URL a
// bucket.
func TestFilesAreKeptWhereConfigured(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(envOf(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Files.Dir != "files" || c.Files.S3 != nil {
		t.Fatalf("default %+v", c.Files)
	}
	dir := t.TempDir()
	if c, err = loadConfig(envOf(map[string]string{"BANGBAN_FILES_DIR": dir}), false); err != nil || c.Files.Dir != dir {
		t.Fatalf("BANGBAN_FILES_DIR: %+v, %v", c.Files, err)
	}
	// A directory that does not exist yet is made when serve starts.
	if c, err = loadConfig(envOf(map[string]string{"BANGBAN_FILES_DIR": dir + "/new/files"}), false); err != nil || c.Files.Dir != dir+"/new/files" {
		t.Fatalf("a new directory: %+v, %v", c.Files, err)
	}
	c, err = loadConfig(envOf(map[string]string{"BANGBAN_S3_URL": "s3://AKIA:s%2Fcret@minio.city.local:9000/evidence/xc?region=cn-north-1&insecure=1"}), false)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Files.S3; c.Files.Dir != "" || s == nil || s.Endpoint != "minio.city.local:9000" || s.AccessKey != "AKIA" || s.SecretKey != "s/cret" ||
		s.Bucket != "evidence" || s.Prefix != "xc/" || s.Region != "cn-north-1" || !s.Insecure {
		t.Fatalf("BANGBAN_S3_URL: %+v", c.Files)
	}
	if strings.Contains(c.Files.String(), "cret") {
		t.Fatalf("%q shows the secret", c.Files.String())
	}
}

// Every variable the configuration reads, whatever else is set, has its row in README's
// configuration table.
func TestEveryVariableIsInTheReadme(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "## Configuration")
	end := strings.Index(string(readme), "## Commands of the binary")
	if start < 0 || end < start {
		t.Fatal("README has no configuration section before its commands")
	}
	table := string(readme[start:end])
	seen := map[string]bool{}
	for _, vars := range []map[string]string{
		{},
		{"TELEGRAM_BOT_TOKEN": "123:abc", "WEBHOOK_URL": "https://bot.example/hook", "WEBHOOK_SECRET": "s"},
		{"BANGBAN_S3_URL": "s3://key:secret@127.0.0.1:9000/bucket?insecure=1"},
	} {
		cfg, err := loadConfig(envOf(vars), false)
		if err != nil {
			t.Fatalf("%v: %v", vars, err)
		}
		for _, s := range cfg.Settings {
			seen[s.Name] = true
		}
	}
	if len(seen) < 30 {
		t.Fatalf("only %d variables read: %v", len(seen), seen)
	}
	for name := range seen {
		if !strings.Contains(table, "`"+name+"`") {
			t.Errorf("%s is read but not in README's configuration table", name)
		}
	}
}

// `bangban config` prints every variable with its effective value, marks the defaults, and
// never shows a secret: not the token's, the webhook's, nor a password in a URL.
func TestConfigPrintsTheEffectiveConfigurationWithoutSecrets(t *testing.T) {
	env := envOf(map[string]string{"TELEGRAM_BOT_TOKEN": "7000000001:TOKENSECRET", "WEBHOOK_URL": "https://bot.example/hook",
		"WEBHOOK_SECRET": "HOOKSECRET", "DATABASE_URL": "postgres://bangban:DBSECRET@db:5432/bangban?sslmode=disable",
		"REDIS_URL": "redis://:REDISSECRET@cache:6379/0", "BANGBAN_SIGN_DAYS": "2"})
	var out, errs bytes.Buffer
	if code := run([]string{"config"}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("config: %d %s", code, errs.String())
	}
	got := out.String()
	for _, secret := range []string{"TOKENSECRET", "HOOKSECRET", "DBSECRET", "REDISSECRET"} {
		if strings.Contains(got, secret) {
			t.Errorf("config shows %s:\n%s", secret, got)
		}
	}
	for _, want := range []string{"TELEGRAM_BOT_TOKEN=7000000001:***\n", "WEBHOOK_SECRET=***\n", "DATABASE_URL=postgres://bangban:xxxxx@db:5432/bangban?sslmode=disable\n",
		"BANGBAN_SIGN_DAYS=2\n", "BANGBAN_RESOLVE_DAYS=7  # default\n", "BANGBAN_TIMEZONE=Asia/Shanghai  # default\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if code := run([]string{"config"}, envOf(map[string]string{"BANGBAN_SIGN_DAYS": "x"}), nil, &out, &errs); code != 2 {
		t.Errorf("a malformed value: exit %d, want 2", code)
	}
}

// README's configuration table gives each variable the default the configuration takes when
// it is not set, where its row names defaults one for one.
func TestReadmeGivesTheDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(envOf(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	for _, s := range cfg.Settings {
		defaults[s.Name] = s.Value
	}
	ticked := regexp.MustCompile("`([^`]*)`")
	checked := 0
	for _, line := range strings.Split(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		names, values := ticked.FindAllStringSubmatch(cells[1], -1), ticked.FindAllStringSubmatch(cells[2], -1)
		if len(names) != len(values) {
			continue // a default told in words ("the shipped one", "empty")
		}
		for i, n := range names {
			def, read := defaults[n[1]]
			if !read {
				continue
			}
			checked++
			if def != values[i][1] {
				t.Errorf("README gives %s the default %q; the configuration takes %q", n[1], values[i][1], def)
			}
		}
	}
	if checked < 25 {
		t.Fatalf("only %d defaults checked against README", checked)
	}
}

// The WeCom app is configured by all five of its settings or none; with it, serve needs no
// Telegram token; its secrets are never shown.
func TestWeComSettings(t *testing.T) {
	t.Parallel()
	full := map[string]string{"WECOM_CORP_ID": "ww0123456789abcdef", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "APPSECRET",
		"WECOM_TOKEN": "CBTOKEN", "WECOM_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
	c, err := loadConfig(envOf(full), true)
	if err != nil || !c.WeCom.Enabled() || c.WeCom.AgentID != 1000002 || c.WeCom.CallbackPath != "/wecom" ||
		c.WeCom.APIURL != "https://qyapi.weixin.qq.com" || c.Token != "" {
		t.Fatalf("%+v %v", c.WeCom, err)
	}
	for _, s := range c.Settings {
		for _, secret := range []string{"APPSECRET", "CBTOKEN", full["WECOM_AES_KEY"]} {
			if strings.Contains(s.Redacted(), secret) {
				t.Errorf("%s shown as %q", s.Name, s.Redacted())
			}
		}
	}
	if c, err := loadConfig(envOf(nil), false); err != nil || c.WeCom.Enabled() {
		t.Fatalf("no WeCom settings: %+v %v", c.WeCom, err)
	}
	for _, c := range [][2]string{{"WECOM_SECRET", ""}, {"WECOM_AGENT_ID", "app"}, {"WECOM_AES_KEY", "short"},
		{"WECOM_CALLBACK_PATH", "wecom"}, {"WECOM_API_URL", "ftp://x"}, {"WECOM_PUBLIC_URL", "bangban.example"},
		{"WECOM_PUBLIC_URL", "https://b.example/?x=1"}} {
		name, bad := c[0], c[1]
		vars := map[string]string{}
		for k, v := range full {
			vars[k] = v
		}
		vars[name] = bad
		_, err := loadConfig(envOf(vars), true)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Var != name || strings.Contains(err.Error(), "APPSECRET") {
			t.Errorf("%s=%q: %v", name, bad, err)
		}
	}
	if c.WeCom.PublicURL != "" {
		t.Errorf("a public URL without WECOM_PUBLIC_URL: %q", c.WeCom.PublicURL)
	}
	full["WECOM_PUBLIC_URL"] = "https://bangban.example.gov.cn/"
	if c, err := loadConfig(envOf(full), true); err != nil || c.WeCom.PublicURL != "https://bangban.example.gov.cn" {
		t.Fatalf("WECOM_PUBLIC_URL: %q %v", c.WeCom.PublicURL, err)
	}
	var ce *ConfigError
	if _, err := loadConfig(envOf(map[string]string{"WECOM_PUBLIC_URL": "https://bangban.example.gov.cn"}), false); !errors.As(err, &ce) || ce.Var != "WECOM_PUBLIC_URL" {
		t.Errorf("WECOM_PUBLIC_URL without the app: %v", err)
	}
	delete(full, "WECOM_PUBLIC_URL")
	hook := map[string]string{"TELEGRAM_BOT_TOKEN": goodToken, "WEBHOOK_URL": "https://bot.example/wecom", "WEBHOOK_SECRET": "s"}
	for k, v := range full {
		hook[k] = v
	}
	if _, err := loadConfig(envOf(hook), true); err == nil || !strings.Contains(err.Error(), "WECOM_CALLBACK_PATH") {
		t.Errorf("the webhook's path taken by WeCom too: %v", err)
	}
}
