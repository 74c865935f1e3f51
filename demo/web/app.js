// The demo page: three phones, each showing one simulated person's chat with the bot, kept
// live by server-sent events. Every text from a person or from the bot is put on the page
// with textContent, never as HTML.
"use strict";

const labels = {};
let pageLang = localStorage.getItem("bangban-demo-lang") || "zh-CN";
let state = null;
const phones = [];
const shownToasts = {};

function t(lang, key) {
  const l = labels[lang] || labels["zh-CN"] || {};
  return l[key] !== undefined ? l[key] : key;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function api(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    refused(res);
    return null;
  }
  showStatus("");
  return res.json();
}

// refused tells that an action was not done; what the demo said of it is for the console.
async function refused(res) {
  showStatus(t(pageLang, "refused") + " HTTP " + res.status);
  console.warn("demo refused:", res.status, await res.text());
}

function showStatus(text) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.hidden = text === "";
}

function applyPageLabels() {
  document.documentElement.lang = pageLang;
  document.title = t(pageLang, "title");
  document.querySelectorAll("header [data-label]").forEach((e) => {
    e.textContent = t(pageLang, e.dataset.label);
  });
  document.getElementById("page-lang").value = pageLang;
  renderClock();
}

function renderClock() {
  if (!state) return;
  document.getElementById("now").textContent = state.now;
  document.getElementById("weekday").textContent = t(pageLang, "weekday_" + state.weekday);
}

function makePhone(i) {
  const node = document.getElementById("phone-template").content.firstElementChild.cloneNode(true);
  node.id = "phone-" + i;
  node.dataset.phone = String(i);
  const p = {
    i,
    node,
    persona: node.querySelector(".persona"),
    lang: node.querySelector(".lang"),
    platform: node.querySelector(".platform"),
    app: node.querySelector(".app"),
    name: node.querySelector(".name"),
    where: node.querySelector(".where"),
    chat: node.querySelector(".chat"),
    toast: node.querySelector(".toast"),
    menu: node.querySelector(".menu"),
    form: node.querySelector(".composer"),
    text: node.querySelector(".text"),
    menuButton: node.querySelector(".menu-button"),
    samplePhoto: node.querySelector(".sample-photo"),
    choosePhoto: node.querySelector(".choose-photo"),
    file: node.querySelector(".choose-photo input"),
    shareLocation: node.querySelector(".share-location"),
    view: null,
    rendered: "",
    // Whether the chat follows its newest message, as a chat does until one scrolls back.
    stick: true,
  };
  p.chat.addEventListener("scroll", () => {
    p.stick = p.chat.scrollHeight - p.chat.scrollTop - p.chat.clientHeight < 40;
  });
  p.persona.addEventListener("change", () => api("/api/person", { phone: i, persona: p.persona.value }));
  p.lang.addEventListener("change", () => api("/api/lang", { phone: i, lang: p.lang.value }));
  p.platform.addEventListener("change", () => api("/api/platform", { phone: i, platform: p.platform.value }));
  p.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = p.text.value;
    if (text.trim() === "") return;
    p.text.value = "";
    await api("/api/send", { phone: i, text });
  });
  p.menuButton.addEventListener("click", () => {
    p.menu.hidden = !p.menu.hidden;
  });
  p.samplePhoto.addEventListener("click", () => api("/api/photo", { phone: i, caption: "" }));
  p.file.addEventListener("change", async () => {
    if (!p.file.files.length) return;
    const form = new FormData();
    form.append("phone", String(i));
    form.append("file", p.file.files[0]);
    p.file.value = "";
    const res = await fetch("/api/photo", { method: "POST", body: form });
    if (res.ok) showStatus(""); else refused(res);
  });
  p.shareLocation.addEventListener("click", () => api("/api/location", { phone: i }));
  document.getElementById("phones").appendChild(node);
  return p;
}

function phoneLang(p) {
  return p.view ? p.view.persona.lang : "zh-CN";
}

// The person on a phone as the frame lists them (their platform changes with the frame).
function phonePersona(p) {
  if (!state) return null;
  return state.personas.find((x) => x.key === state.phones[p.i]) || null;
}

function renderFrame(p) {
  if (!state) return;
  const lang = phoneLang(p);
  const key = state.phones[p.i];
  p.persona.replaceChildren();
  for (const per of state.personas) {
    const o = el("option", "", t(lang, "persona_" + per.key) + (per.name ? " · " + per.name : ""));
    o.value = per.key;
    p.persona.appendChild(o);
  }
  p.persona.value = key;
  p.persona.title = t(lang, "person");
  p.persona.setAttribute("aria-label", t(lang, "person"));
  p.lang.setAttribute("aria-label", t(lang, "language"));
  p.lang.title = t(lang, "language");
  p.lang.value = lang;
  const per = phonePersona(p);
  const platform = per ? per.platform : "telegram";
  p.platform.options[0].textContent = t(lang, "platform_telegram");
  p.platform.options[1].textContent = t(lang, "platform_wecom");
  p.platform.options[1].disabled = !(per && per.wecom);
  p.platform.value = platform;
  p.platform.title = t(lang, "platform");
  p.platform.setAttribute("aria-label", t(lang, "platform"));
  // The WeCom skin: WeCom's colours, its app header, its cards.
  p.node.classList.toggle("wecom", platform === "wecom");
  p.node.dataset.platform = platform;
  p.app.textContent = platform === "wecom" ? t(lang, "wecom_header") : "";
  p.text.placeholder = t(lang, "placeholder");
  p.menuButton.textContent = "☰ " + t(lang, "menu");
  p.samplePhoto.title = t(lang, "sample_photo");
  p.choosePhoto.title = t(lang, "choose_photo");
  p.shareLocation.title = t(lang, "share_location");
  p.node.querySelector(".send").title = t(lang, "send");
}

function renderBubble(p, m, lang) {
  const row = el("div", m.mine ? "msg mine" : "msg");
  row.dataset.id = String(m.id);
  const b = el("div", "bubble");
  if (m.photo) {
    const img = el("img", "photo");
    img.src = "/api/file/" + encodeURIComponent(m.photo);
    img.alt = m.caption || "";
    img.addEventListener("click", () => window.open(img.src, "_blank"));
    img.addEventListener("load", () => { if (p.stick) p.chat.scrollTop = p.chat.scrollHeight; });
    b.appendChild(img);
  }
  if (m.document) {
    const a = el("a", "doc");
    a.href = "/api/file/" + encodeURIComponent(m.document) + "?name=" + encodeURIComponent(m.file_name || "file");
    a.setAttribute("download", m.file_name || "file");
    a.appendChild(el("span", "icon", "📄"));
    a.appendChild(el("span", "", (m.file_name || "file") + " · " + t(lang, "download")));
    b.appendChild(a);
  }
  if (m.location) {
    const pin = el("div", "pin");
    pin.appendChild(el("span", "icon", "📍"));
    pin.appendChild(el("span", "", t(lang, "location") + "\n" + m.location.latitude.toFixed(5) + ", " + m.location.longitude.toFixed(5)));
    b.appendChild(pin);
  }
  if (m.card) b.appendChild(renderCard(p, m.card, lang));
  const text = m.text || m.caption;
  if (text) b.appendChild(el("span", "body", text));
  if (m.edited) b.appendChild(el("span", "edited", t(lang, "edited")));
  row.appendChild(b);
  if (m.buttons && m.buttons.length) {
    const kb = el("div", "keyboard");
    for (const r of m.buttons) {
      const kr = el("div", "krow");
      for (const btn of r) {
        if (btn.callback_data) {
          const x = el("button", "", btn.text);
          x.type = "button";
          x.addEventListener("click", () => api("/api/press", { phone: p.i, message_id: m.id, data: btn.callback_data }));
          kr.appendChild(x);
        } else {
          // A link button (an invite's t.me link): shown, not followed, as this machine is offline.
          const x = el("a", "", btn.text + " ↗");
          x.title = btn.url || "";
          kr.appendChild(x);
        }
      }
      kb.appendChild(kr);
    }
    row.appendChild(kb);
  }
  return row;
}

// renderCard draws a WeCom template card (button_interaction): the app's name, the title and
// text, and its buttons; once pressed, the buttons wait disabled with the pressed one marked,
// and once the app has updated the card, the one button left reads what the app wrote.
function renderCard(p, c, lang) {
  const card = el("div", "card");
  card.dataset.task = c.task_id;
  card.appendChild(el("div", "source", t(lang, "wecom_app")));
  if (c.title) card.appendChild(el("div", "title", c.title));
  if (c.text) card.appendChild(el("div", "desc", c.text));
  const row = el("div", "card-buttons");
  if (c.replaced) {
    const x = el("button", "done", c.replaced);
    x.type = "button";
    x.disabled = true;
    row.appendChild(x);
  } else {
    for (const btn of c.buttons) {
      const x = el("button", btn.key === c.pressed ? "pressed" : "", btn.text);
      x.type = "button";
      x.disabled = !!c.pressed;
      x.addEventListener("click", () => api("/api/press", { phone: p.i, task_id: c.task_id, key: btn.key }));
      row.appendChild(x);
    }
  }
  card.appendChild(row);
  return card;
}

function renderPhone(p) {
  const v = p.view;
  if (!v) return;
  const lang = v.persona.lang;
  renderFrame(p);
  p.name.textContent = v.persona.name;
  p.where.textContent = v.persona.where;
  const key = JSON.stringify([v.messages, lang, v.persona.platform]);
  if (key !== p.rendered) {
    const stick = p.stick || p.rendered === "";
    const top = p.chat.scrollTop;
    p.chat.replaceChildren();
    if (!v.messages.length) p.chat.appendChild(el("div", "empty", t(lang, "empty_chat")));
    for (const m of v.messages) p.chat.appendChild(renderBubble(p, m, lang));
    p.chat.scrollTop = stick ? p.chat.scrollHeight : top;
    p.stick = stick;
    p.rendered = key;
  }
  p.menu.replaceChildren();
  if (!v.commands.length) p.menu.appendChild(el("div", "none", t(lang, "menu_empty")));
  for (const c of v.commands) {
    const x = el("button", "");
    x.type = "button";
    x.appendChild(el("span", "cmd", "/" + c.command));
    x.appendChild(el("span", "", c.description));
    x.addEventListener("click", () => {
      p.menu.hidden = true;
      api("/api/send", { phone: p.i, text: "/" + c.command });
    });
    p.menu.appendChild(x);
  }
  if (v.toast && shownToasts[p.i] !== v.toast_id) {
    const first = shownToasts[p.i] === undefined;
    shownToasts[p.i] = v.toast_id;
    if (!first) {
      p.toast.textContent = v.toast;
      p.toast.hidden = false;
      setTimeout(() => { p.toast.hidden = true; }, 2500);
    }
  }
}

function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("state", (ev) => {
    state = JSON.parse(ev.data);
    renderClock();
    for (const p of phones) renderFrame(p);
    showStatus("");
  });
  es.addEventListener("phone", (ev) => {
    const v = JSON.parse(ev.data);
    const p = phones[v.phone];
    if (!p) return;
    if (p.view && (p.view.persona.key !== v.persona.key || p.view.persona.platform !== v.persona.platform)) p.rendered = "";
    p.view = v;
    renderPhone(p);
    document.body.dataset.ready = "true";
  });
  es.onerror = () => showStatus(t(pageLang, "disconnected"));
}

async function main() {
  for (const lang of ["zh-CN", "en"]) {
    const res = await fetch("/i18n/" + lang);
    labels[lang] = await res.json();
  }
  document.getElementById("page-lang").addEventListener("change", (ev) => {
    pageLang = ev.target.value;
    localStorage.setItem("bangban-demo-lang", pageLang);
    applyPageLabels();
  });
  document.querySelectorAll("[data-move]").forEach((b) => {
    b.addEventListener("click", () => api("/api/clock", { move: b.dataset.move }));
  });
  for (let i = 0; i < 3; i++) phones.push(makePhone(i));
  applyPageLabels();
  connect();
}

main();
