// Baton admin console: the hand-off policy of one collection (thresholds,
// triggers, sensitive topics), previewed on the last 7 days of its bot
// turns (POST /api/v1/admin/policies/preview) and saved as the whole
// policy document (PUT /api/v1/admin/policies), only that collection
// changed. Read-only, with the server's reason, when a --policy file
// manages the policies.
//
// Element ids tests and people rely on:
//   form     #policy-form[data-readonly], #policy-collection, #policy-own,
//            #policy-<field> (answer_threshold, handoff_threshold, repeated_miss,
//            rephrases, negative_turn, negative_trend), #policy-on-<trigger>,
//            #policy-rephrase_by_article, #policy-self_handoff, #policy-self-measured,
//            #policy-routing (""|least_busy),
//            #policy-topics input[value=<topic>]
//   results  #policy-error, #policy-preview, #policy-preview-summary,
//            #policy-preview-detail tbody tr[data-row], #policy-status, #policy-readonly
//   buttons  #policy-preview-run, #policy-save, #policy-reset
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    policy_title: "转人工策略", collection: "知识库",
    policy_hint: "决定机器人何时直接回答、何时追问“您是想问”、何时转人工。保存前可先用该知识库最近 7 天的机器人回复预览改动的效果。",
    policy_readonly: "只读：", thresholds: "阈值",
    answer_threshold: "置信度至少为此值时直接回答", handoff_threshold: "覆盖度低于此值时转人工",
    self_handoff: "按该知识库自身相似问法测得的阈值提高（若更高）",
    routing: "转人工分配", routing_off: "不分配：进入队列，由客服认领", routing_least_busy: "分配给所属团队中在线且手上最少的客服（先通知他，其他人仍可见）",
    measured: "测得 {t}（{n} 个相似问法）。", not_measured: "尚未测得：相似问法不足 1000 个，或正在测量。",
    triggers: "触发条件",
    t_repeated_miss: "连续未答：连续这么多轮没有把握时", t_rephrases: "重复提问：客户这么多次换个说法再问时",
    t_negative_turn: "单条负面：一条消息为负面情绪的概率达到", t_negative_trend: "负面趋势：最近三条消息负面概率的平均值达到",
    t_rephrase_by_article: "发往刚回答过的文章的问题算作重复提问",
    sensitive_topics: "敏感话题（始终转人工）",
    topic_privacy: "隐私", topic_security: "账号安全", topic_payment_dispute: "支付争议", topic_legal: "法律", topic_complaint: "投诉",
    now: "当前", then: "改动后", preview: "预览", save: "保存", revert: "还原",
    own: "该知识库有自己的策略。", inherits: "该知识库沿用默认策略；保存后将有自己的策略。",
    more: "最近 7 天将多 {n} 次转人工（共 {m} 轮）。", fewer: "最近 7 天将少 {n} 次转人工（共 {m} 轮）。",
    same: "最近 7 天转人工次数不变（共 {m} 轮）。", no_turns: "最近 7 天该知识库没有机器人回复，无法预览。",
    r_handoffs: "转人工", r_answered: "直接回答", r_clarified: "追问",
    reason_low_confidence: "原因：无把握", reason_repeated_miss: "原因：连续未答", reason_rephrase: "原因：重复提问",
    reason_negative_sentiment: "原因：负面情绪", reason_explicit_request: "原因：客户要求", reason_sensitive_topic: "原因：敏感话题",
    reason_service_stage: "原因：服务阶段",
    e_range: "{f} 应在 0 到 1 之间。", e_count: "{f} 应为不小于 1 的整数。", saved: "已保存“{c}”的策略。",
    previewing: "正在预览…"
  } : {
    policy_title: "Hand-off policy", collection: "Collection",
    policy_hint: "When the bot answers, asks \"did you mean\", or hands the conversation to a person. Preview a change on the last 7 days of the collection's bot turns before saving it.",
    policy_readonly: "Read-only:", thresholds: "Thresholds",
    answer_threshold: "Answer at confidence of at least", handoff_threshold: "Hand off below in-scope of",
    self_handoff: "Raise it to what the collection measures of its own similar questions",
    routing: "Routing of hand-offs", routing_off: "None: they queue for any agent to claim", routing_least_busy: "To the least-busy online agent of the collection's teams (notified first; the others still see it)",
    measured: "Measured: {t} (on {n} similar questions).", not_measured: "Not measured: fewer than 1,000 similar questions, or still measuring.",
    triggers: "Triggers",
    t_repeated_miss: "Repeated misses: after this many unsure turns in a row", t_rephrases: "Rephrases: after the customer asks again this many times",
    t_negative_turn: "Negative turn: one message this likely negative", t_negative_trend: "Negative trend: the last three messages this likely negative on average",
    t_rephrase_by_article: "Count a question sent to the article just answered as a rephrase",
    sensitive_topics: "Sensitive topics (always to a person)",
    topic_privacy: "privacy", topic_security: "account security", topic_payment_dispute: "payment dispute", topic_legal: "legal", topic_complaint: "complaint",
    now: "Now", then: "With the change", preview: "Preview", save: "Save", revert: "Revert",
    own: "This collection has a policy of its own.", inherits: "This collection uses the default policy; saving gives it one of its own.",
    more: "{n} more hand-offs in the last 7 days (of {m} turns).", more_1: "1 more hand-off in the last 7 days (of {m} turns).",
    fewer: "{n} fewer hand-offs in the last 7 days (of {m} turns).", fewer_1: "1 fewer hand-off in the last 7 days (of {m} turns).",
    same: "No change in hand-offs in the last 7 days (of {m} turns).", no_turns: "No bot turns in this collection in the last 7 days to preview on.",
    r_handoffs: "Hand-offs", r_answered: "Answered", r_clarified: "Clarified",
    reason_low_confidence: "reason: low confidence", reason_repeated_miss: "reason: repeated miss", reason_rephrase: "reason: rephrase",
    reason_negative_sentiment: "reason: negative sentiment", reason_explicit_request: "reason: asked for a person", reason_sensitive_topic: "reason: sensitive topic",
    reason_service_stage: "reason: service stage",
    e_range: "{f} must be between 0 and 1.", e_count: "{f} must be a whole number of at least 1.", saved: "Saved the policy of {c}.",
    previewing: "Previewing…"
  };
  document.querySelectorAll("#policy-section [data-i18n]").forEach(function (e) { if (T[e.dataset.i18n]) e.textContent = T[e.dataset.i18n]; });

  var $ = Baton.$, el = Baton.el, fmt = Baton.fmt, api = Baton.api, fail = Baton.fail;
  var form = $("policy-form");
  var readOnly = form.dataset.readonly === "true";
  var doc = null; // the policy document as last loaded
  var measured = {}; // collection -> {threshold, questions}, measured of itself
  var fields = ["answer_threshold", "handoff_threshold", "repeated_miss", "rephrases", "negative_turn", "negative_trend"];
  var triggers = ["repeated_miss", "rephrases", "negative_turn", "negative_trend"];
  var timer = 0, seq = 0;

  if (readOnly) {
    $("policy-fields").disabled = true;
    $("policy-save").disabled = true;
    $("policy-reset").disabled = true;
  }

  function collection() { return $("policy-collection").value; }
  function stored(c) { return (doc.collections && doc.collections[c]) || doc["default"]; }
  function label(f) { return T[f] || f; }

  // fill shows a collection's stored policy; a trigger whose number is 0
  // is off, and keeps the default's number to switch it back on with.
  function fill() {
    var c = collection(), p = stored(c);
    fields.forEach(function (f) { $("policy-" + f).value = p[f] == null ? "" : p[f]; });
    triggers.forEach(function (f) {
      var on = p[f] > 0;
      $("policy-on-" + f).checked = on;
      if (!on) $("policy-" + f).value = doc["default"][f] || "";
      $("policy-" + f).disabled = !on;
    });
    $("policy-rephrase_by_article").checked = !!p.rephrase_by_article;
    $("policy-self_handoff").checked = !!p.self_handoff;
    $("policy-routing").value = p.routing || "";
    var m = measured[c];
    $("policy-self-measured").textContent = m ? fmt(T.measured, { t: m.threshold.toFixed(2), n: m.questions }) : T.not_measured;
    var topics = p.sensitive_topics || [];
    $("policy-topics").querySelectorAll("input").forEach(function (i) { i.checked = topics.indexOf(i.value) >= 0; });
    $("policy-own").textContent = doc.collections && doc.collections[c] ? T.own : T.inherits;
    showError("");
    $("policy-preview").hidden = true;
  }

  // proposed returns the collection's policy as the form has it, or
  // throws the first client-side mistake.
  function proposed() {
    var p = JSON.parse(JSON.stringify(stored(collection())));
    fields.forEach(function (f) {
      var input = $("policy-" + f), on = triggers.indexOf(f) < 0 || $("policy-on-" + f).checked;
      if (!on) { p[f] = 0; return; }
      var v = Number(input.value);
      if (input.dataset.int) {
        if (input.value === "" || !Number.isInteger(v) || v < 1) throw new Error(fmt(T.e_count, { f: label("t_" + f) }));
      } else if (input.value === "" || isNaN(v) || v < 0 || v > 1) {
        throw new Error(fmt(T.e_range, { f: label(triggers.indexOf(f) < 0 ? f : "t_" + f) }));
      }
      p[f] = v;
    });
    p.rephrase_by_article = $("policy-rephrase_by_article").checked;
    p.self_handoff = $("policy-self_handoff").checked;
    p.routing = $("policy-routing").value;
    if (!p.routing) delete p.routing;
    p.sensitive_topics = [];
    $("policy-topics").querySelectorAll("input:checked").forEach(function (i) { p.sensitive_topics.push(i.value); });
    return p;
  }

  function showError(msg) {
    $("policy-error").textContent = msg;
    $("policy-error").hidden = !msg;
  }

  function summary(r) {
    if (!r.turns) return T.no_turns;
    var d = r.then.handoffs - r.now.handoffs, n = Math.abs(d);
    var key = d > 0 ? "more" : d < 0 ? "fewer" : "same";
    if (n === 1 && T[key + "_1"]) key += "_1";
    return fmt(T[key], { n: n, m: r.turns });
  }

  function detailRow(key, name, now, then) {
    var tr = el("tr", now === then ? "" : "changed");
    tr.dataset.row = key;
    tr.appendChild(el("th", "", name));
    tr.appendChild(el("td", "now", String(now)));
    tr.appendChild(el("td", "then", String(then)));
    return tr;
  }

  function preview() {
    clearTimeout(timer);
    var p;
    try { p = proposed(); } catch (e) { showError(e.message); $("policy-preview").hidden = true; return Promise.resolve(); }
    showError("");
    var mine = ++seq;
    $("policy-preview-summary").textContent = T.previewing;
    return api("POST", "/api/v1/admin/policies/preview", { collection: collection(), policy: p }).then(function (r) {
      if (mine !== seq) return; // a later preview is on its way
      $("policy-preview-summary").textContent = summary(r);
      var tb = $("policy-preview-detail").tBodies[0];
      tb.textContent = "";
      ["handoffs", "answered", "clarified"].forEach(function (k) { tb.appendChild(detailRow(k, T["r_" + k], r.now[k], r.then[k])); });
      Object.keys(r.reasons).sort().forEach(function (k) {
        tb.appendChild(detailRow("reason_" + k, T["reason_" + k] || k, r.reasons[k].now, r.reasons[k].then));
      });
      $("policy-preview-detail").hidden = !r.turns;
      $("policy-preview").hidden = false;
    }).catch(function (e) {
      if (mine !== seq) return;
      $("policy-preview").hidden = true;
      showError(e.message);
    });
  }

  function later() { clearTimeout(timer); timer = setTimeout(preview, 400); }

  function load() {
    return Promise.all([api("GET", "/api/v1/admin/policies"), api("GET", "/api/v1/admin/recalibration")]).then(function (rs) {
      var r = rs[0];
      measured = rs[1].handoff_thresholds || {};
      doc = r;
      if (!$("policy-collection").options.length) {
        $("policy-collection").appendChild(el("option", "", "default")).value = "default";
      }
      fill();
    }).catch(fail);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (readOnly) return;
    var p;
    try { p = proposed(); } catch (e) { showError(e.message); return; }
    var c = collection();
    var next = JSON.parse(JSON.stringify(doc));
    next.collections = next.collections || {};
    next.collections[c] = p;
    $("policy-save").disabled = true;
    api("PUT", "/api/v1/admin/policies", next).then(function (r) {
      doc = r;
      fill();
      $("policy-status").textContent = fmt(T.saved, { c: c });
    }).catch(function (e) {
      showError(e.message);
      if (e.status === 409) {
        $("policy-readonly-msg").textContent = e.message;
        $("policy-readonly").hidden = false;
      }
    }).then(function () { $("policy-save").disabled = readOnly; });
  });

  $("policy-collection").onchange = function () { $("policy-status").textContent = ""; fill(); };
  $("policy-preview-run").onclick = function () { preview(); };
  $("policy-reset").onclick = function () { fill(); $("policy-status").textContent = ""; };
  triggers.forEach(function (f) {
    $("policy-on-" + f).addEventListener("change", function () { $("policy-" + f).disabled = !this.checked || readOnly; });
  });
  $("policy-fields").addEventListener("input", function () { $("policy-status").textContent = ""; later(); });
  $("policy-fields").addEventListener("change", later);

  load();
})();
