// Baton customer chat. The conversation's token lives in localStorage, so
// a reload restores the transcript and whatever was being typed; replies
// from agents arrive live over Server-Sent Events, read with fetch so the
// token travels in a header rather than the URL.
(function () {
  "use strict";
  var T = {
    en: {
      title: "Help centre", placeholder: "Ask a question", send: "Send", person: "Talk to a person",
      confidence: "confidence", source: "Source", failed: "Could not send, please try again.",
      erased: "This conversation was deleted, as asked. A new message starts a new one.",
      helpful: "Helpful", unhelpful: "Not helpful", thanks: "Thanks for the feedback",
      queued: function (s) { return "You are number " + s.position + " in the queue. Estimated wait: " + wait(s.eta_seconds, "en") + ". You can keep typing here; everything you write is passed on."; },
      claimed: function (s) { return (s.agent || "An agent") + " has joined the conversation."; },
      message: "Nobody from our team is available right now. Leave your contact details and we will get back to you.",
      contact_left: "Thanks, we have your details and will get back to you.",
      resolved: "The agent has closed this conversation. The assistant is back if you have another question.",
      returned: "The assistant is back. Ask away, or press \"Talk to a person\" again.",
      contact_label: "How can we reach you? (email or phone)", contact_send: "Leave details", agent: "Agent",
      ended: "This conversation has ended.", new_conversation: "New conversation", reopen: "Reopen this conversation",
      starters: "You could ask:", end: "End chat",
      rate_ask: "How did we do? 1 (poor) to 5 (excellent)", rate_comment: "Thanks! Anything you would like to add? (optional)",
      rate_send: "Send", rate_thanks: "Thank you for your feedback."
    },
    zh: {
      title: "帮助中心", placeholder: "请输入您的问题", send: "发送", person: "转人工",
      confidence: "置信度", source: "来源", failed: "发送失败，请重试。",
      erased: "此对话已按要求删除。发送新消息将开始新的对话。",
      helpful: "有帮助", unhelpful: "没帮助", thanks: "感谢您的反馈",
      queued: function (s) { return "您前面还有 " + (s.position - 1) + " 位客户（排第 " + s.position + " 位），预计等待 " + wait(s.eta_seconds, "zh") + "。您可以继续输入，所有内容都会转交给客服。"; },
      claimed: function (s) { return "客服 " + (s.agent || "") + " 已接入对话。"; },
      message: "目前暂无人工客服在线。请留下您的联系方式，我们会尽快联系您。",
      contact_left: "已收到您的联系方式，我们会尽快联系您。",
      resolved: "客服已结束本次对话。如有其他问题，可以继续向智能助手提问。",
      returned: "智能助手已回来，请继续提问，或再次点击“转人工”。",
      contact_label: "怎么联系您？（邮箱或电话）", contact_send: "提交", agent: "客服",
      ended: "本次对话已结束。", new_conversation: "开始新对话", reopen: "继续本次对话",
      starters: "您可以问：", end: "结束对话",
      rate_ask: "请为本次服务打分：1（很差）到 5（很好）", rate_comment: "谢谢！还有什么想告诉我们的吗？（选填）",
      rate_send: "提交", rate_thanks: "感谢您的评价！"
    }
  };
  function wait(sec, l) {
    var m = Math.max(1, Math.round((sec || 0) / 60));
    return l === "zh" ? "约 " + m + " 分钟" : "about " + m + " min";
  }

  var root = document.getElementById("chat");
  var collection = new URLSearchParams(location.search).get("collection") || root.dataset.collection || "default";
  var key = "baton.conversation." + collection;
  var draftKey = "baton.draft." + collection;
  // The page's language: the one asked for (?lang=, or chosen with the
  // switch), else the browser's; until one is chosen it follows the
  // language the customer writes in.
  var chosenLang = new URLSearchParams(location.search).get("lang") || localStorage.getItem("baton.lang");
  var lang = chosenLang || ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  if (!T[lang]) lang = "en";
  var t = T[lang];
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var input = document.getElementById("text");
  var errBox = document.getElementById("error");
  var statusBox = document.getElementById("status");
  var statusText = document.getElementById("status-text");
  var contactForm = document.getElementById("contact");
  var endedBox = document.getElementById("ended");
  var personButton = document.getElementById("person");
  var endButton = document.getElementById("end");
  var ratingForm = document.getElementById("rating");
  // A signed customer context from the widget arrives in the fragment;
  // it is used when the conversation starts, then dropped from the URL.
  var signedContext = new URLSearchParams(location.hash.slice(1)).get("context");
  if (signedContext) history.replaceState(null, "", location.pathname + location.search);
  var seen = {};
  var state = null;
  var conv = null;
  try { conv = JSON.parse(localStorage.getItem(key)); } catch (e) { conv = null; }

  function applyLang() {
    t = T[lang];
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t[el.dataset.i18n]; });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) { el.placeholder = t[el.dataset.i18nPlaceholder]; });
    document.getElementById("lang").textContent = lang === "zh" ? "English" : "中文";
    showState(state);
    if (welcomeShown) showWelcome();
  }
  document.getElementById("lang").onclick = function () {
    lang = lang === "zh" ? "en" : "zh";
    chosenLang = lang;
    localStorage.setItem("baton.lang", lang);
    applyLang();
  };
  // followLang switches the page to the language of what the customer
  // wrote, unless they chose one.
  function followLang(text) {
    if (chosenLang) return;
    var l = /[\u3400-\u9fff]/.test(text) ? "zh" : /[A-Za-z]{2}/.test(text) ? "en" : lang;
    if (l !== lang) { lang = l; applyLang(); }
  }
  function scrollEnd() { log.scrollTop = log.scrollHeight; }

  // The welcome is a greeting and starter questions, shown while the
  // conversation is empty; it is the page's, not stored.
  var welcomeShown = false;
  function showWelcome() {
    welcomeShown = true;
    fetch("/api/v1/collections/" + encodeURIComponent(collection) + "/welcome?lang=" + lang)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (w) {
        var old = document.getElementById("welcome");
        if (old) old.remove();
        if (!w || !welcomeShown) return;
        var li = el("li", "bot welcome");
        li.id = "welcome";
        li.appendChild(el("div", "text", w.greeting));
        if (w.starters && w.starters.length) {
          li.appendChild(el("div", "meta", t.starters));
          var chips = el("div", "chips starters");
          w.starters.forEach(function (q) {
            var b = el("button", "", q);
            b.type = "button";
            b.onclick = function () { send(q); };
            chips.appendChild(b);
          });
          li.appendChild(chips);
        }
        log.insertBefore(li, log.firstChild);
        scrollEnd();
      }).catch(function () {});
  }
  function hideWelcome() {
    welcomeShown = false;
    var w = document.getElementById("welcome");
    if (w) w.remove();
  }

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (conv) headers.Authorization = "Bearer " + conv.token;
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) throw apiError(r, j);
          return j;
        });
      });
  }
  function apiError(r, j) {
    var e = new Error((j.error && j.error.message) || r.statusText);
    e.status = r.status;
    e.code = j.error && j.error.code;
    return e;
  }

  var previous = null; // the ended conversation a new one goes on from

  function ensureConversation() {
    if (conv) return Promise.resolve(conv);
    var body = { collection: collection, lang: "auto" };
    if (signedContext) body.context = signedContext;
    if (previous) body.previous = previous; // the agent sees the history
    return api("POST", "/api/v1/conversations", body).then(function (c) {
      previous = null;
      conv = { id: c.id, token: c.token };
      localStorage.setItem(key, JSON.stringify(conv));
      showEnd();
      listen();
      return conv;
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function thumbs(li, id, value) {
    var box = el("div", "thumbs");
    [[1, "👍", t.helpful], [-1, "👎", t.unhelpful]].forEach(function (o) {
      var b = el("button", value === o[0] ? "on" : "", o[1]);
      b.type = "button";
      b.title = o[2];
      b.setAttribute("aria-label", o[2]);
      b.dataset.value = o[0];
      b.onclick = function () {
        var v = b.classList.contains("on") ? 0 : o[0];
        api("POST", "/api/v1/conversations/" + conv.id + "/messages/" + id + "/feedback", { value: v }).then(function () {
          box.querySelectorAll("button").forEach(function (x) { x.classList.toggle("on", Number(x.dataset.value) === v); });
          box.title = t.thanks;
        });
      };
      box.appendChild(b);
    });
    li.appendChild(box);
  }

  // pending are the customer's turns shown before the server stored them.
  var pending = [];

  // render adds one message to the log, once: a stored turn that is
  // already on screen as pending only takes its id.
  function render(m) {
    if (m.id) {
      if (seen[m.id]) return;
      seen[m.id] = true;
      if (m.role === "customer") {
        for (var i = 0; i < pending.length; i++) {
          if (pending[i].text === m.text) { pending.splice(i, 1); return; }
        }
      }
    }
    if (m.role === "customer") hideWelcome();
    var li = el("li", m.role);
    if (m.role === "customer" && !m.id) pending.push({ text: m.text, li: li });
    if (m.role === "bot") endStreaming();
    if (m.role === "agent") li.appendChild(el("div", "author", (m.author || t.agent)));
    var body = el("div", "text");
    if (m.html) body.innerHTML = m.html; // rendered and sanitised by the server
    else body.textContent = m.text;
    li.appendChild(body);
    var reply = m.reply;
    if (reply) {
      if (reply.band === "answer" && reply.citations && reply.citations.length) {
        var p = el("div", "meta cite", t.source + ": ");
        reply.citations.slice(0, 1).forEach(function (c) {
          var a = el("a", "", c.title);
          a.href = "/articles/" + c.article_id.split("/").map(encodeURIComponent).join("/");
          a.target = "_blank";
          a.rel = "noopener";
          p.appendChild(a);
        });
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
      if (reply.band !== "handoff" && reply.confidence) {
        li.appendChild(el("div", "meta", t.confidence + " " + Math.round(reply.confidence * 100) + "%"));
      }
      if (reply.band === "answer" && m.id) thumbs(li, m.id, m.feedback);
    }
    log.appendChild(li);
    scrollEnd();
  }

  // showState shows the customer's place in the queue, or who has them.
  function showState(s) {
    state = s;
    if (!s || (s.status === "none" && !s.ended)) {
      statusBox.hidden = true;
      endedBox.hidden = true;
      form.hidden = false;
      personButton.disabled = false;
      showRating(false);
      showEnd();
      return;
    }
    var msg = t[s.status];
    if (typeof msg === "function") msg = msg(s);
    if (s.status === "message" && s.contact_left) msg = t.contact_left;
    // Ended by the agent's resolution or by the customer's "End chat".
    var ended = !!s.ended;
    if (ended) msg = t.ended;
    statusText.textContent = msg || "";
    contactForm.hidden = !(s.status === "message" && !s.contact_left);
    endedBox.hidden = !ended;
    form.hidden = ended;
    personButton.disabled = ended;
    statusBox.hidden = !msg;
    statusBox.className = s.status + (ended ? " ended" : "");
    showRating(ended);
    showEnd();
    scrollEnd(); // the banner must not hide the newest message
  }

  // showEnd offers "End chat" while the bot has the conversation: one
  // with the team is theirs to close.
  function showEnd() {
    var s = state || { status: "none" };
    endButton.hidden = !conv || !!s.ended || s.status === "queued" || s.status === "claimed" || s.status === "message";
  }
  endButton.onclick = function () {
    if (!conv) return;
    errBox.hidden = true;
    api("POST", "/api/v1/conversations/" + conv.id + "/end")
      .then(function (r) { showState(r.state); })
      .catch(function (e) { errBox.textContent = e.message || t.failed; errBox.hidden = false; });
  };

  // The rating (CSAT) is asked once a conversation ends: one tap stores
  // the score, an optional comment goes with it after.
  var ratingFor = null; // the conversation the rating row is asking about
  var ratingScore = 0;
  function ratedKey() { return "baton.rated." + conv.id; }
  function showRating(ended) {
    if (!ended || !conv) { ratingForm.hidden = true; ratingFor = null; return; }
    if (ratingFor === conv.id) { ratingForm.hidden = false; return; }
    if (localStorage.getItem(ratedKey())) { ratingForm.hidden = true; return; }
    ratingFor = conv.id;
    ratingScore = 0;
    ratingForm.querySelectorAll("[data-score]").forEach(function (b) { b.classList.remove("on"); b.disabled = false; });
    document.getElementById("rating-comment").value = "";
    document.getElementById("rating-more").hidden = true;
    document.getElementById("rating-thanks").hidden = true;
    ratingForm.hidden = false;
  }
  function rate(score, comment) {
    var body = { score: score };
    if (comment) body.comment = comment;
    return api("POST", "/api/v1/conversations/" + conv.id + "/rating", body).then(function () {
      localStorage.setItem(ratedKey(), String(score));
    }).catch(function (e) { errBox.textContent = e.message || t.failed; errBox.hidden = false; throw e; });
  }
  ratingForm.querySelectorAll("[data-score]").forEach(function (b) {
    b.onclick = function () {
      var score = Number(b.dataset.score);
      rate(score).then(function () {
        ratingScore = score;
        ratingForm.querySelectorAll("[data-score]").forEach(function (x) { x.classList.toggle("on", x === b); });
        document.getElementById("rating-more").hidden = false;
        scrollEnd();
      });
    };
  });
  ratingForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var comment = document.getElementById("rating-comment").value.trim();
    if (!ratingScore) return;
    rate(ratingScore, comment).then(function () {
      document.getElementById("rating-more").hidden = true;
      ratingForm.querySelectorAll("[data-score]").forEach(function (x) { x.disabled = true; });
      document.getElementById("rating-thanks").hidden = false;
    });
  });

  // streaming is the bubble showing a generated answer as it is written;
  // the stored reply replaces it.
  var streaming = null;
  function delta(text) {
    if (!streaming) {
      streaming = el("li", "bot streaming");
      streaming.appendChild(el("div", "text"));
      log.appendChild(streaming);
    }
    streaming.firstChild.textContent += text;
    scrollEnd();
  }
  function endStreaming() {
    if (streaming) { streaming.remove(); streaming = null; }
  }

  // postTurn sends a message asking for a streamed answer; a server or
  // proxy that answers plain JSON works too.
  function postTurn(c, text) {
    return fetch("/api/v1/conversations/" + c.id + "/messages", {
      method: "POST", body: JSON.stringify({ text: text }),
      headers: { "Content-Type": "application/json", Accept: "text/event-stream, application/json", Authorization: "Bearer " + c.token }
    }).then(function (res) {
      if ((res.headers.get("Content-Type") || "").indexOf("text/event-stream") !== 0 || !res.body) {
        return res.json().then(function (j) {
          if (!res.ok) throw apiError(res, j);
          return j;
        });
      }
      var final = null, failure = null;
      return readEvents(res.body, function (name, data) {
        if (name === "delta") delta(data.text);
        if (name === "reply") final = data;
        if (name === "error") failure = new Error(data.error && data.error.message);
      }).then(function () {
        if (!final) throw failure || new Error(t.failed);
        return final;
      });
    });
  }

  // readEvents parses a Server-Sent Events body, calling fn(name, data)
  // per event; it resolves when the stream ends.
  function readEvents(body, fn) {
    var reader = body.getReader();
    var dec = new TextDecoder();
    var buf = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buf += dec.decode(chunk.value, { stream: true });
        var i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          var block = buf.slice(0, i), name = "message", data = "";
          buf = buf.slice(i + 2);
          block.split("\n").forEach(function (l) {
            if (l.indexOf("event: ") === 0) name = l.slice(7);
            if (l.indexOf("data: ") === 0) data += l.slice(6);
          });
          if (data) fn(name, JSON.parse(data));
        }
        return pump();
      });
    }
    return pump();
  }

  // forget drops a conversation whose token expired: its transcript is no
  // longer shown, and the next message starts a new one.
  function forget() {
    localStorage.removeItem(key);
    if (listener) listener.abort();
    conv = null;
    previous = null;
    seen = {};
    pending = [];
    log.textContent = "";
    showState(null);
    showWelcome();
  }

  function send(text, retried) {
    errBox.hidden = true;
    followLang(text);
    render({ role: "customer", text: text });
    return ensureConversation()
      .then(function (c) { return postTurn(c, text); })
      .then(function (r) {
        endStreaming();
        render({ id: r.message_id, role: "customer", text: text });
        localStorage.removeItem(draftKey);
        if (r.reply) render({ id: r.reply_id, role: "bot", text: r.reply.text, html: r.reply_html, reply: r.reply });
        if (r.state) showState(r.state);
      })
      .catch(function (e) {
        endStreaming();
        pending = pending.filter(function (p) {
          if (p.text === text) p.li.classList.add("failed");
          return p.text !== text;
        });
        if (e.code === "token_expired" && !retried) {
          // Idle too long: the message goes to a new conversation.
          forget();
          return send(text, true);
        }
        input.value = input.value || text; // nothing typed is lost
        if (e.code === "conversation_ended") { showState({ status: "resolved", ended: true }); return; }
        errBox.textContent = e.message || t.failed;
        errBox.hidden = false;
      });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
  });
  // Whatever is typed survives a reload until it is sent.
  input.value = localStorage.getItem(draftKey) || "";
  input.addEventListener("input", function () { localStorage.setItem(draftKey, input.value); });

  // An ended conversation: start a new one (the old stays with the team's
  // records), or reopen it to go on where it stopped.
  document.getElementById("new-conversation").onclick = function () {
    var ended = conv && { id: conv.id, token: conv.token };
    forget();
    previous = ended;
    input.focus();
  };
  document.getElementById("reopen").onclick = function () {
    if (!conv) return;
    api("POST", "/api/v1/conversations/" + conv.id + "/reopen")
      .then(function () { showState(null); input.focus(); })
      .catch(function (e) { errBox.textContent = e.message || t.failed; errBox.hidden = false; });
  };

  personButton.onclick = function () {
    errBox.hidden = true;
    ensureConversation()
      .then(function (c) { return api("POST", "/api/v1/conversations/" + c.id + "/handoff"); })
      .then(function (r) {
        if (r.reply) render({ id: r.reply_id, role: "bot", text: r.reply.text, html: r.reply_html, reply: r.reply });
        if (r.state) showState(r.state);
      })
      .catch(function (e) {
        if (e.code === "conversation_ended") { showState({ status: "resolved", ended: true }); return; }
        errBox.textContent = e.message || t.failed;
        errBox.hidden = false;
      });
  };

  contactForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var v = document.getElementById("contact-text").value.trim();
    if (!v || !conv) return;
    api("POST", "/api/v1/conversations/" + conv.id + "/contact", { contact: v })
      .then(function (r) { showState(r.state); })
      .catch(function (e) { errBox.textContent = e.message || t.failed; errBox.hidden = false; });
  });

  // listen reads the live stream; when it drops it catches up on the
  // transcript and reconnects.
  var listening = false;
  var listener = null; // aborts the stream of a conversation left behind
  function listen() {
    if (!conv || listening || !window.ReadableStream) return;
    listening = true;
    var mine = listener = new AbortController();
    var retry = function () {
      listening = false;
      if (mine.signal.aborted) return;
      setTimeout(function () { restore().then(listen); }, 2000);
    };
    fetch("/api/v1/conversations/" + conv.id + "/events", { headers: { Authorization: "Bearer " + conv.token }, signal: mine.signal })
      .then(function (res) {
        if (!res.ok || !res.body) { if (res.status !== 401 && res.status !== 403 && res.status !== 404) retry(); else listening = false; return; }
        return readEvents(res.body, function (name, ev) { handle(ev); }).then(retry);
      })
      .catch(retry);
  }

  function handle(ev) {
    if (ev.type === "erased") {
      // Erased on request: nothing of it stays on the page either.
      forget();
      errBox.textContent = t.erased;
      errBox.hidden = false;
      return;
    }
    if (ev.type === "message" && ev.data) render(ev.data);
    if (ev.type === "state") showState(ev.data);
  }

  function restore() {
    if (!conv) return Promise.resolve();
    return api("GET", "/api/v1/conversations/" + conv.id + "/messages").then(function (r) {
      r.messages.forEach(render);
      if (!r.messages.some(function (m) { return m.role === "customer"; })) showWelcome();
      return api("GET", "/api/v1/conversations/" + conv.id + "/handoff");
    }).then(function (r) { if (r) showState(r.state); }).catch(function (e) {
      // Expired, erased or not this customer's: the page starts afresh.
      if (e.code === "token_expired" || e.status === 403 || e.status === 404) forget();
    });
  }

  applyLang();
  if (!conv) showWelcome();
  restore().then(listen);
})();
