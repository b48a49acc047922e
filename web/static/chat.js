// Baton customer chat: creates a conversation, keeps its token in
// localStorage so a reload restores the transcript, and renders replies
// with their citations and "did you mean" choices.
(function () {
  "use strict";
  var T = {
    en: { title: "Help centre", placeholder: "Ask a question", send: "Send", confidence: "confidence", source: "Source", handoff: "Passed to a person", failed: "Could not send, please try again." },
    zh: { title: "帮助中心", placeholder: "请输入您的问题", send: "发送", confidence: "置信度", source: "来源", handoff: "已转人工", failed: "发送失败，请重试。" }
  };
  var lang = (navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  var t = T[lang];
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t[el.dataset.i18n]; });
  document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) { el.placeholder = t[el.dataset.i18nPlaceholder]; });

  var root = document.getElementById("chat");
  var collection = new URLSearchParams(location.search).get("collection") || root.dataset.collection || "default";
  var key = "baton.conversation." + collection;
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var errBox = document.getElementById("error");
  var conv = null;
  try { conv = JSON.parse(localStorage.getItem(key)); } catch (e) { conv = null; }

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (conv) headers.Authorization = "Bearer " + conv.token;
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) { var e = new Error((j.error && j.error.message) || r.statusText); e.status = r.status; throw e; }
          return j;
        });
      });
  }

  function ensureConversation() {
    if (conv) return Promise.resolve(conv);
    return api("POST", "/api/v1/conversations", { collection: collection, lang: "auto" }).then(function (c) {
      conv = { id: c.id, token: c.token };
      localStorage.setItem(key, JSON.stringify(conv));
      return conv;
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function render(role, text, reply) {
    var li = el("li", role, text);
    if (reply) {
      if (reply.band === "answer" && reply.citations && reply.citations.length) {
        var c = reply.citations[0];
        var p = el("div", "meta cite", t.source + ": ");
        var a = el("a", "", c.title);
        a.href = "#" + encodeURIComponent(c.article_id);
        p.appendChild(a);
        li.appendChild(p);
      }
      if (reply.band === "clarify" && reply.suggestions) {
        var chips = el("div", "chips");
        reply.suggestions.forEach(function (s) {
          var b = el("button", "", s.title);
          b.type = "button";
          b.onclick = function () { send(s.title); };
          chips.appendChild(b);
        });
        li.appendChild(chips);
      }
      if (reply.band === "handoff") li.appendChild(el("div", "meta", t.handoff));
      li.appendChild(el("div", "meta", t.confidence + " " + Math.round(reply.confidence * 100) + "%"));
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function send(text) {
    errBox.hidden = true;
    render("customer", text);
    return ensureConversation()
      .then(function (c) { return api("POST", "/api/v1/conversations/" + c.id + "/messages", { text: text }); })
      .then(function (r) { render("bot", r.reply.text, r.reply); })
      .catch(function (e) {
        errBox.textContent = e.message || t.failed;
        errBox.hidden = false;
        input.value = input.value || text; // nothing typed is lost
      });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  if (conv) {
    api("GET", "/api/v1/conversations/" + conv.id + "/messages").then(function (r) {
      r.messages.forEach(function (m) { render(m.role, m.text, m.reply); });
    }).catch(function (e) {
      if (e.status === 403 || e.status === 404) { localStorage.removeItem(key); conv = null; }
    });
  }
})();
