// Baton agent console: the live queue of hand-offs, and beside it the
// hand-off packet of the one selected (summary, transcript with sentiment,
// reasons, retrieved passages, editable draft) with the claim, reply and
// close actions. Live updates come over Server-Sent Events.
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    presence: "状态", online: "在线", away: "离开", logout: "退出", insights: "漏答与统计", to_admin: "管理", queue: "排队", empty: "暂无等待的客户。",
    claim: "接入", release: "放回队列", transfer: "转给", agent_name: "客服名", to_agent: "转给客服：", to_team: "转给团队：", verdict: "对机器人的判断…",
    bot_right: "机器人答对了", article_missing: "漏答：缺少文章", article_wrong: "漏答：文章有误", needless_handoff: "不该转人工",
    handback: "交还机器人", resolve: "结束", transcript: "对话记录", send: "发送", reasons: "转人工原因",
    passages: "检索到的内容", context: "客户", history: "以往会话", no_history: "没有以往会话",
    out_bot: "机器人处理", turns: "条消息", turn: "条消息", held_by: "处理人：", waiting: "等待", agents_online: "在线客服：",
    score: "得分", negative: "负面", customer: "客户", bot: "机器人", lang: "语言", contact: "联系方式",
    generated: "由语言模型根据对话生成，请核对。", name: "姓名", customer_id: "客户编号", order_id: "订单号", stage: "服务阶段",
    confidence: "置信度", in_scope: "知识库可答",
    r_low_confidence: "没有文章能回答这个问题", r_repeated_miss: "多篇文章都可能相关，多次澄清仍未确定", r_rephrase: "客户换了说法重复提问",
    r_negative_sentiment: "客户情绪负面", r_explicit_request: "客户要求转人工", r_sensitive_topic: "敏感话题", r_service_stage: "服务阶段规则",
    r_agent_request: "客服要求接入",
    st_queued: "排队中", st_message: "客户已留言", st_claimed: "处理中", st_resolved: "已结束", st_returned: "已交还机器人",
    resolved_by: "已由 {who} 结束", returned_by: "已由 {who} 交还机器人", verdict_is: "判断：",
    band_answer: "可直接回答", band_clarify: "需要澄清", band_handoff: "转人工", band_small_talk: "寒暄", rank: "第 {n} 条"
  } : {
    presence: "Presence", online: "Online", away: "Away", logout: "Sign out", insights: "Insights", to_admin: "Admin", queue: "Queue", empty: "Nobody is waiting.",
    claim: "Claim", release: "Release", transfer: "Transfer", agent_name: "agent name", to_agent: "to an agent:", to_team: "to team ", verdict: "Verdict on the bot…",
    bot_right: "Bot was right", article_missing: "Bot missed: article missing", article_wrong: "Bot missed: article wrong",
    needless_handoff: "Should not have handed off", handback: "Hand back to bot", resolve: "Resolve", transcript: "Transcript",
    send: "Send", reasons: "Why the bot handed off", passages: "What the bot found", context: "Customer", history: "Earlier conversations", no_history: "No earlier conversations",
    out_bot: "Handled by the bot", turns: "messages", turn: "message", held_by: "Held by ",
    waiting: "waiting", agents_online: "Agents online: ", score: "score", negative: "negative", customer: "Customer",
    bot: "Bot", generated: "Written by the language model from the transcript; check it.", lang: "Language", contact: "Contact", name: "Name", customer_id: "Customer id", order_id: "Order",
    stage: "Stage", confidence: "confidence", in_scope: "in scope",
    r_low_confidence: "No article covers this", r_repeated_miss: "Several articles could fit; still unsure after asking",
    r_rephrase: "Customer asked the same again", r_negative_sentiment: "Customer is upset", r_explicit_request: "Customer asked for a person",
    r_sensitive_topic: "Sensitive topic", r_service_stage: "Service stage rule", r_agent_request: "An agent asked to take over",
    st_queued: "Queued", st_message: "Left a message", st_claimed: "Claimed", st_resolved: "Resolved", st_returned: "Handed back to the bot",
    resolved_by: "Resolved by {who}", returned_by: "Handed back to the bot by {who}", verdict_is: "Verdict: ",
    band_answer: "answerable", band_clarify: "needs clarifying", band_handoff: "hand off", band_small_talk: "small talk", rank: "#{n}"
  };
  function fmt(s, k, v) { return s.replace("{" + k + "}", v); }
  function pct(x) { return Math.round(Math.max(0, Math.min(1, x || 0)) * 100) + "%"; }
  // estimate shows confidence and in-scope as percentages, coloured by
  // the band they put the reply in.
  function estimate(band, confidence, inScope) {
    var e = el("span", "band band-" + band, T["band_" + band] || band);
    e.title = band;
    if (band !== "small_talk") e.textContent += " · " + T.confidence + " " + pct(confidence) + " · " + T.in_scope + " " + pct(inScope);
    return e;
  }
  // holderText says where a hand-off stands: who holds it, or who closed
  // it and with what verdict.
  function holderText(h, holder) {
    var who = holder || "?";
    var s;
    if (h.status === "resolved") s = fmt(T.resolved_by, "who", who);
    else if (h.status === "returned") s = fmt(T.returned_by, "who", who);
    else if (h.status === "claimed") s = T.held_by + who;
    else s = T["st_" + h.status] || h.status;
    if (h.outcome && !(h.status === "queued" || h.status === "message" || h.status === "claimed")) s += " · " + T.verdict_is + (T[h.outcome] || h.outcome);
    return s;
  }
  // reasonItem shows a reason code in words, the code in the tooltip.
  function reasonItem(tag, r) {
    var e = el(tag, "reason", T["r_" + r] || r);
    e.title = r;
    return e;
  }
  document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = T[el.dataset.i18n]; });
  document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) { el.placeholder = T[el.dataset.i18nPlaceholder]; });

  var me = document.getElementById("me").dataset.id;
  var current = null; // the hand-off whose packet is open
  var items = [];
  var teams = []; // GET /api/v1/teams, for transfers

  var $ = Baton.$, el = Baton.el, api = Baton.api, fail = Baton.fail;
  function since(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 60 ? s + "s" : s < 3600 ? Math.floor(s / 60) + "m" : Math.floor(s / 3600) + "h" + Math.floor(s % 3600 / 60) + "m";
  }

  function loadQueue() {
    return api("GET", "/api/v1/handoffs").then(function (r) {
      items = r.handoffs;
      $("online").textContent = T.agents_online + r.agents_online;
      renderQueue();
    }).catch(fail);
  }

  function renderQueue() {
    var q = $("queue");
    q.textContent = "";
    $("empty").hidden = items.length > 0;
    items.forEach(function (h) {
      var li = el("li", "item " + h.status + (h.priority > 0 ? " urgent" : "") + (current && current.id === h.id ? " selected" : ""));
      li.dataset.id = h.id;
      var top = el("div", "top");
      top.appendChild(el("span", "status", T["st_" + h.status] || h.status));
      top.appendChild(el("span", "lang", h.lang || "?"));
      top.appendChild(el("span", "wait", T.waiting + " " + since(h.created_at)));
      // Sentiment is shown only where its trigger fired.
      if ((h.reasons || []).indexOf("negative_sentiment") >= 0) top.appendChild(el("span", "neg", T.negative));
      li.appendChild(top);
      var rs = el("div", "reasons");
      (h.reasons || []).forEach(function (r) { rs.appendChild(reasonItem("span", r)); });
      li.appendChild(rs);
      li.appendChild(el("div", "preview", h.preview));
      if (h.holder) li.appendChild(el("div", "holder", T.held_by + h.holder));
      li.onclick = function () { open(h.id); };
      q.appendChild(li);
    });
  }
  setInterval(renderQueue, 15000); // wait times tick

  function open(id) {
    return api("GET", "/api/v1/handoffs/" + encodeURIComponent(id) + "?lang=" + (zh ? "zh" : "en")).then(function (p) {
      var keepDraft = current && current.id === id ? $("reply-text").value : null;
      current = p.handoff;
      renderPacket(p, keepDraft);
      renderQueue();
    }).catch(fail);
  }

  function renderPacket(p, keepDraft) {
    $("packet").hidden = false;
    var h = p.handoff;
    var sum = $("summary");
    sum.textContent = "";
    (p.summary || []).forEach(function (line) { sum.appendChild(el("p", "", line)); });
    if (p.summary_generated) sum.appendChild(el("p", "meta", T.generated));
    var mine = h.status === "claimed" && h.claimed_by === me;
    $("holder").textContent = holderText(h, p.holder);
    var est = $("estimate");
    est.textContent = "";
    if (p.band) est.appendChild(estimate(p.band, p.confidence, p.in_scope));
    $("claim").hidden = !(h.status === "queued" || h.status === "message");
    ["release", "transfer", "transfer-team", "transfer-to", "handback", "resolve", "outcome"].forEach(function (b) { $(b).hidden = !mine; });
    renderTransferTeams(h, keepDraft !== null);
    $("reply").hidden = !mine;
    var tr = $("transcript");
    tr.textContent = "";
    negativeTurn = p.negative_turn || 1;
    p.messages.forEach(addMessage);
    var rs = $("reasons");
    rs.textContent = "";
    h.reasons.forEach(function (r) { rs.appendChild(reasonItem("li", r)); });
    var ps = $("passages");
    ps.textContent = "";
    p.passages.forEach(function (x, i) {
      var li = el("li", "passage");
      li.appendChild(el("span", "score", fmt(T.rank, "n", i + 1) + " "));
      var a = el("a", "", x.title);
      a.href = Baton.articleHref(x.article_id);
      a.target = "_blank";
      li.appendChild(a);
      var text = el("div", "text");
      if (x.html) text.innerHTML = x.html; // rendered and sanitised by the server
      else text.textContent = x.text;
      li.appendChild(text);
      ps.appendChild(li);
    });
    var ctx = $("context");
    ctx.textContent = "";
    var cc = p.conversation.context || {};
    [[T.name, cc.name], [T.customer_id, cc.customer_id], [T.order_id, cc.order_id], [T.stage, cc.stage],
     [T.lang, h.lang], [T.contact, h.contact]].forEach(function (kv) {
      if (!kv[1]) return;
      ctx.appendChild(el("dt", "", kv[0]));
      ctx.appendChild(el("dd", "", kv[1]));
    });
    var hist = $("history");
    hist.textContent = "";
    (p.history || []).forEach(function (c) {
      var li = el("li", "past");
      li.appendChild(el("div", "meta", new Date(c.created_at).toLocaleString() + " · " + c.turns + " " + (c.turns === 1 ? T.turn : T.turns)));
      li.appendChild(el("div", "text", c.question || "—"));
      var out = c.outcome === "bot" ? T.out_bot : holderText({ status: c.outcome, outcome: c.verdict }, c.agent);
      li.appendChild(el("div", "meta outcome", out));
      hist.appendChild(li);
    });
    if (!(p.history || []).length) hist.appendChild(el("li", "meta", T.no_history));
    $("reply-text").value = keepDraft !== null ? keepDraft : (p.draft || "");
  }

  // renderTransferTeams offers, beside "to an agent", the teams serving
  // the hand-off's collection (the server refuses any other). A live
  // refresh of the same packet (keep) keeps the team the agent chose.
  function renderTransferTeams(h, keep) {
    var sel = $("transfer-team");
    var chosen = keep ? sel.value : "";
    while (sel.options.length > 1) sel.remove(1);
    teams.forEach(function (t) {
      if (t.collections.indexOf(h.collection) < 0 || t.id === h.team) return;
      var o = el("option", "", T.to_team + t.name);
      o.value = t.id;
      sel.appendChild(o);
    });
    sel.value = "";
    if (chosen && Array.prototype.some.call(sel.options, function (o) { return o.value === chosen; })) sel.value = chosen;
    $("transfer-to").hidden = sel.hidden || sel.value !== "";
  }
  $("transfer-team").onchange = function () { $("transfer-to").hidden = this.value !== ""; };

  // negativeTurn is the open packet's sentiment trigger.
  var negativeTurn = 1;
  function addMessage(m) {
    var li = el("li", m.role);
    var who = m.role === "agent" ? (m.author || "agent") : (T[m.role] || m.role);
    var head = el("div", "who", who);
    if (m.role === "customer" && m.negative >= negativeTurn) {
      var neg = el("span", "sentiment neg", T.negative);
      neg.title = pct(m.negative);
      head.appendChild(neg);
    }
    if (m.role === "bot" && m.reply) head.appendChild(estimate(m.reply.band, m.reply.confidence, m.reply.in_scope));
    li.appendChild(head);
    var text = el("div", "text");
    if (m.html) text.innerHTML = m.html; // rendered and sanitised by the server
    else text.textContent = m.text;
    li.appendChild(text);
    $("transcript").appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function act(path, body) {
    if (!current) return;
    api("POST", "/api/v1/handoffs/" + encodeURIComponent(current.id) + "/" + path, body)
      .then(function () { return Promise.all([open(current.id), loadQueue()]); })
      .catch(fail);
  }
  $("claim").onclick = function () { act("claim"); };
  $("release").onclick = function () { act("release"); };
  $("transfer").onclick = function () {
    var team = $("transfer-team").value;
    if (!team) return act("transfer", { to: $("transfer-to").value.trim() });
    // Sent to a team, it leaves this agent's hands and, unless they are in
    // that team, their sight: the packet closes.
    if (!current) return;
    api("POST", "/api/v1/handoffs/" + encodeURIComponent(current.id) + "/transfer", { team: team }).then(function () {
      current = null;
      $("packet").hidden = true;
      return loadQueue();
    }).catch(fail);
  };
  $("handback").onclick = function () { act("handback", { outcome: $("outcome").value }); };
  $("resolve").onclick = function () { act("resolve", { outcome: $("outcome").value }); };
  $("reply").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = $("reply-text").value.trim();
    if (!text || !current) return;
    api("POST", "/api/v1/handoffs/" + encodeURIComponent(current.id) + "/messages", { text: text })
      .then(function () { $("reply-text").value = ""; })
      .catch(fail);
  });

  $("presence").onchange = function () { api("PUT", "/api/v1/presence", { status: this.value }).then(loadQueue).catch(fail); };
  $("logout").onclick = function () { api("DELETE", "/api/v1/session").then(function () { location.href = "/login"; }).catch(fail); };

  // Going online when the console opens: an agent with the console open is
  // taking hand-offs unless they say otherwise.
  api("GET", "/api/v1/presence").then(function (r) {
    var mine = r.presence.filter(function (p) { return p.user_id === me; })[0];
    var status = mine ? mine.status : "online";
    $("presence").value = status;
    return api("PUT", "/api/v1/presence", { status: status });
  }).then(loadQueue).catch(fail);
  api("GET", "/api/v1/teams").then(function (r) { teams = r.teams; if (current) renderTransferTeams(current, true); }).catch(fail);

  var pending = null;
  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(function () { pending = null; loadQueue(); }, 150);
  }
  var es = new EventSource("/api/v1/events?presence=1");
  es.addEventListener("queue", refreshSoon);
  es.addEventListener("handoff", function (ev) {
    refreshSoon();
    var e = JSON.parse(ev.data);
    if (current && e.data && e.data.id === current.id) open(current.id);
  });
  // Least-busy routing chose this agent for a new hand-off: open it,
  // unless a packet is already open.
  es.addEventListener("routed", function (ev) {
    refreshSoon();
    var e = JSON.parse(ev.data);
    if (!current && e.data && e.data.id) open(e.data.id);
  });
  es.addEventListener("message", function (ev) {
    var e = JSON.parse(ev.data);
    if (current && e.conversation_id === current.conversation_id) addMessage(e.data);
    refreshSoon();
  });
})();
