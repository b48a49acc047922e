// Baton insights: the misses inbox (what the bot could not answer,
// grouped by meaning, with one-click fixes for editors) and the
// analytics (containment, hand-offs, wait, thumbs, day by day).
// Editors' pages refresh over the staff event stream; agents' and
// admins' poll instead, because that stream keeps their presence fresh
// and a page of figures is not a sign that they are taking hand-offs.
//
// Element ids tests and people rely on:
//   tabs        #tabs button[data-tab=misses|analytics], sections #misses, #analytics;
//               the hash is #inbox or #stats
//   inbox       #misses-collection, #misses-period, #misses-refresh, #misses-summary,
//               #fix-results li.fix-result (a: the article in the editor),
//               #misses .cluster[data-id] (.size, .triggers .trigger.<trigger>,
//               .questions li, button.more, .seen a, .agent-reply),
//               fixes (editors and admins only): .fix-article-select, .fix-add,
//               .fix-new, form.fix-new-form (.fix-new-title, .fix-new-body,
//               .fix-new-publish, .fix-new-save), .fix-wont, .fix-wont-yes,
//               .fix-cancel; #no-misses
//   analytics   #analytics-collection, #analytics-period, #analytics-refresh,
//               #kpi-conversations, #kpi-containment, #kpi-handoff, #kpi-wait,
//               #kpi-thumbs, #chart svg (rect.bar.<contained|other|handed_off>,
//               path.rate, circle.rate), #reasons li, #top-misses li a[data-id],
//               #recalibrations li[data-collection], #no-recalibration,
//               #csat tr[data-group] (all, bot_only, agent_handled,
//               collection:<name>, agent:<user id>; td.mean, td.count), #no-csat
//   errors      #error
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    tab_misses: "未答问题", tab_analytics: "数据分析", to_editor: "编辑器", to_console: "客服台", to_admin: "管理", logout: "退出",
    misses_title: "机器人没能回答的问题", collection: "知识库", all_collections: "全部知识库", period: "时间范围",
    p7: "最近 7 天", p30: "最近 30 天", p90: "最近 90 天", pall: "全部", refresh: "刷新",
    misses_hint: "机器人转人工、要求澄清或被点踩的问题，按意思分组，最大的组排在前面。",
    no_misses: "这段时间没有未处理的问题，无需修复。",
    groups_n: "{n} 组", unit_question: "个问题", unit_questions: "个问题", questions_n: "{n} 个问题", misses_n: "{n} 次未答", latest: "最近一次 {t}",
    t_handoff: "转人工", t_clarify: "要求澄清", t_thumbs_down: "点踩", t_agent_verdict: "客服判定漏答",
    show_all: "显示全部 {n} 个问题", show_less: "收起", seen: "机器人排在第一的文章：", seen_none: "机器人什么也没找到。",
    agent_reply: "客服的回答", fix_add: "加为相似问题到", fix_new: "用客服的回答新建文章", fix_new_plain: "新建文章",
    fix_wont: "始终转人工（不应回答）", choose_article: "选择文章…", candidates: "机器人排在第一的", other_articles: "其他文章",
    title: "标题", body: "正文（Markdown）", body_hint: "写下答案（Markdown）", publish_now: "立即发布",
    new_note: "这 {n} 个问题会成为新文章的相似问题。", create: "创建文章", cancel: "取消",
    wont_note: "以后问到这 {n} 个问题时，机器人会直接转人工。", confirm_wont: "确定始终转人工",
    mixed: "这一组跨越多个知识库（{c}），请先选定一个知识库再修复。",
    done_add: "已把 {n} 个问题加为“{t}”的相似问题。", done_new: "已新建文章“{t}”（{s}）。", done_wont: "这 {n} 个问题以后会直接转人工。",
    published: "已发布", draft: "草稿", open_editor: "在编辑器中打开", already_closed: "这些问题已被别人处理，列表已刷新。",
    k_conversations: "对话数", k_containment: "机器人独立解决", k_handoff: "转人工", k_wait: "平均等待客服时间", k_thumbs: "点赞率",
    n_containment: "{a} / {n} 个对话", n_handoff: "{n} 个对话转了人工",
    n_wait: "{n} 次转人工已被接入", n_wait_none: "还没有被接入的转人工", n_thumbs: "{u} 赞，{d} 踩", n_thumbs_none: "还没有评价",
    chart_title: "每天的对话", reasons_title: "转人工原因", no_reasons: "这段时间没有转人工。",
    top_misses_title: "最常未答的问题", no_top_misses: "这段时间没有未处理的问题。",
    l_contained: "机器人解决", l_other: "其他", l_handed_off: "转人工", l_rate: "解决率", axis_conv: "对话数", axis_rate: "解决率",
    tip: "{d}：{n} 个对话，解决 {c}，转人工 {h}，其他 {o}", tip_rate: "解决率 {r}",
    r_low_confidence: "置信度低", r_repeated_miss: "多次没答上", r_rephrase: "客户换说法重问", r_negative_sentiment: "客户情绪负面",
    r_explicit_request: "客户要求人工", r_sensitive_topic: "敏感话题", r_service_stage: "服务阶段", r_agent_request: "客服主动接入",
    calibration_title: "置信度校准", recal_row: "{c}：按 {n} 个已标注的问题校准（{r} 个答对），{t}",
    recal_none: "置信度用内置模型。某个知识库有 {m} 个已标注的问题（客服对转人工的评判、客户的赞和踩）后，会按它们自动校准。",
    sec: "{s} 秒", min: "{m} 分 {s} 秒", hour: "{h} 小时 {m} 分", range: "{a} 至 {b}（UTC）",
    csat_title: "客户满意度（CSAT）", csat_group: "对话", csat_mean: "平均分（1-5）", csat_count: "评价数",
    csat_all: "全部", csat_bot_only: "仅机器人", csat_agent_handled: "客服处理", csat_collection: "知识库：{k}", csat_agent: "客服：{k}",
    no_csat: "这段时间还没有客户打分。"
  } : {
    tab_misses: "Misses inbox", tab_analytics: "Analytics", to_editor: "Editor", to_console: "Console", to_admin: "Admin", logout: "Sign out",
    misses_title: "What the bot could not answer", collection: "Collection", all_collections: "All collections", period: "Period",
    p7: "Last 7 days", p30: "Last 30 days", p90: "Last 90 days", pall: "All time", refresh: "Refresh",
    misses_hint: "Questions the bot handed off, asked to clarify, or answered with a thumbs down, grouped by meaning; largest group first.",
    no_misses: "No open misses in this period. Nothing to fix.",
    groups_n: "{n} groups", group_1: "1 group", unit_question: "question", unit_questions: "questions", questions_n: "{n} questions", question_1: "1 question", misses_n: "{n} misses", miss_1: "1 miss",
    latest: "latest {t}",
    t_handoff: "handed off", t_clarify: "asked to clarify", t_thumbs_down: "thumbs down", t_agent_verdict: "agent: bot missed",
    show_all: "Show all {n} questions", show_less: "Show fewer", seen: "The bot put first:", seen_none: "The bot found nothing.",
    agent_reply: "The agent's reply", fix_add: "Add as similar questions to", fix_new: "New article from the agent's reply",
    fix_new_plain: "New article", fix_wont: "Always hand off (should not be answered)", choose_article: "Choose an article…",
    candidates: "The bot put first", other_articles: "Other articles",
    title: "Title", body: "Body (Markdown)", body_hint: "Write the answer (Markdown)", publish_now: "Publish now",
    new_note: "The {n} questions become the new article's similar questions.", new_note_1: "The question becomes the new article's similar question.", create: "Create article", cancel: "Cancel",
    wont_note: "From now on these {n} questions go straight to a person.", wont_note_1: "From now on this question goes straight to a person.", confirm_wont: "Always hand off",
    mixed: "This group spans several collections ({c}); choose one collection to fix it.",
    done_add: "Added {n} similar questions to “{t}”.", done_new: "New article “{t}” ({s}).", done_wont: "The {n} questions now always go to a person.", done_wont_1: "The question now always goes to a person.",
    done_add_1: "Added the question to “{t}” as a similar question.",
    published: "published", draft: "draft", open_editor: "Open in the editor", already_closed: "Someone has fixed these already; the list is refreshed.",
    k_conversations: "Conversations", k_containment: "Contained by the bot", k_handoff: "Handed off", k_wait: "Average wait for an agent",
    k_thumbs: "Thumbs up",
    n_containment: "{a} of {n} conversations", n_handoff: "{n} conversations", n_handoff_1: "1 conversation",
    n_wait: "over {n} claimed hand-offs", n_wait_1: "over 1 claimed hand-off", n_wait_none: "no hand-off claimed yet", n_thumbs: "{u} up, {d} down", n_thumbs_none: "no ratings yet",
    chart_title: "Conversations per day", reasons_title: "Why conversations were handed off", no_reasons: "No hand-offs in this period.",
    top_misses_title: "Most missed questions", no_top_misses: "No open misses in this period.",
    l_contained: "contained", l_other: "other", l_handed_off: "handed off", l_rate: "containment rate", axis_conv: "conversations",
    axis_rate: "containment", tip: "{d}: {n} conversations, {c} contained, {h} handed off, {o} other", tip_rate: "containment {r}",
    r_low_confidence: "low confidence", r_repeated_miss: "repeated miss", r_rephrase: "customer rephrased", r_negative_sentiment: "negative sentiment",
    r_explicit_request: "asked for a person", r_sensitive_topic: "sensitive topic", r_service_stage: "service stage", r_agent_request: "agent stepped in",
    calibration_title: "Confidence calibration", recal_row: "{c}: calibrated on {n} labelled questions ({r} answered right), {t}",
    recal_none: "Confidence is the built-in model's. A collection's is calibrated on its own once it has {m} labelled questions (agents' verdicts on hand-offs, customers' thumbs).",
    sec: "{s}s", min: "{m}m {s}s", hour: "{h}h {m}m", range: "{a} to {b} (UTC)",
    csat_title: "Customer satisfaction (CSAT)", csat_group: "Conversations", csat_mean: "Mean (1-5)", csat_count: "Ratings",
    csat_all: "All", csat_bot_only: "Bot only", csat_agent_handled: "Agent-handled", csat_collection: "Collection: {k}", csat_agent: "Agent: {k}",
    no_csat: "No customer has rated a conversation in this period."
  };
  document.querySelectorAll("[data-i18n]").forEach(function (e) { e.textContent = T[e.dataset.i18n]; });
  if (zh) document.documentElement.lang = "zh-CN";

  var role = document.body.dataset.role;
  var canFix = role === "editor" || role === "admin";
  var SVG = "http://www.w3.org/2000/svg";

  var $ = Baton.$, el = Baton.el, fmt = Baton.fmt, api = Baton.api, fail = Baton.fail, articleHref = Baton.articleHref;
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clear(node) { node.textContent = ""; return node; }
  // count says n things: T[one] when n is 1 and the language has a singular.
  function count(n, one, many) { return n === 1 && T[one] ? T[one] : fmt(T[many], { n: n }); }
  // say fills in T[key], or T[key + "_1"] when vars.n is 1 and the language has it.
  function say(key, vars) { return fmt(vars.n === 1 && T[key + "_1"] ? T[key + "_1"] : T[key], vars); }
  function pct(x) { return Math.round(x * 100) + "%"; }
  function duration(s) {
    s = Math.round(s);
    if (s < 60) return fmt(T.sec, { s: s });
    if (s < 3600) return fmt(T.min, { m: Math.floor(s / 60), s: s % 60 });
    return fmt(T.hour, { h: Math.floor(s / 3600), m: Math.floor(s % 3600 / 60) });
  }
  function ago(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  // ---- Tabs: the hash names the open one, so a reload keeps it. ----

  // The hash is not a section's id, so opening the page does not scroll
  // the bar away.
  var loaders = {};
  var open = null;
  var hashes = { misses: "inbox", analytics: "stats" };
  function tabOf(hash) { return hash === "#stats" || hash === "#analytics" ? "analytics" : "misses"; }
  function show(name) {
    if (name !== "analytics") name = "misses";
    var changed = open !== name;
    open = name;
    document.querySelectorAll("main > section.tab").forEach(function (s) { s.hidden = s.id !== name; });
    document.querySelectorAll("#tabs button").forEach(function (b) { b.classList.toggle("active", b.dataset.tab === name); });
    if (location.hash !== "#" + hashes[name]) history.replaceState(null, "", "#" + hashes[name]);
    if (changed) return loaders[name]();
    return Promise.resolve();
  }
  document.querySelectorAll("#tabs button").forEach(function (b) { b.onclick = function () { show(b.dataset.tab); }; });
  window.addEventListener("hashchange", function () { show(tabOf(location.hash)); });
  $("logout").onclick = function () {
    api("DELETE", "/api/v1/session").then(function () { location.href = "/login?next=/insights"; }).catch(fail);
  };

  // ---- Collections: both tabs share the choice; the options are every
  // collection the page has seen (articles, misses). ----

  var collection = "";
  var known = {};
  function noteCollection(c) {
    if (!c || known[c]) return;
    known[c] = true;
    var names = Object.keys(known).sort();
    document.querySelectorAll(".collection-select").forEach(function (sel) {
      while (sel.options.length > 1) sel.remove(1);
      names.forEach(function (n) { sel.appendChild(new Option(n, n)); });
      sel.value = collection;
    });
  }
  document.querySelectorAll(".collection-select").forEach(function (sel) {
    sel.onchange = function () {
      collection = sel.value;
      document.querySelectorAll(".collection-select").forEach(function (o) { o.value = collection; });
      loaders[open]();
    };
  });

  // ---- Misses inbox ----

  var articles = [];    // every article, for "add as similar questions" (editors)
  var expanded = {};    // cluster ids whose questions are all shown
  var missesSeq = 0;    // the latest request, so an older answer cannot overwrite a newer
  var missesLoaded = null;

  function loadArticles() {
    if (!canFix) return Promise.resolve();
    return api("GET", "/api/v1/articles").then(function (r) {
      articles = r.articles || [];
      articles.forEach(function (a) { noteCollection(a.collection); });
      document.querySelectorAll("#clusters .cluster").forEach(function (card) {
        if (card.cluster && !card.busy) fillArticles(card.querySelector(".fix-article-select"), card.cluster);
      });
    }).catch(fail);
  }

  function loadMisses() {
    var seq = ++missesSeq;
    var q = "?period=" + encodeURIComponent($("misses-period").value) + (collection ? "&collection=" + encodeURIComponent(collection) : "");
    missesLoaded = api("GET", "/api/v1/misses" + q).then(function (r) {
      if (seq === missesSeq) renderMisses(r.clusters || []);
    }).catch(fail);
    return missesLoaded;
  }
  loaders.misses = loadMisses;
  $("misses-period").onchange = loadMisses;
  $("misses-refresh").onclick = function () { loadArticles().then(loadMisses); };

  function collectionsOf(c) {
    var cs = {};
    c.misses.forEach(function (m) { cs[m.collection] = true; });
    return Object.keys(cs).sort();
  }
  function missIDs(c) { return c.misses.map(function (m) { return m.id; }); }

  // renderMisses shows the clusters, largest first. A card someone is
  // working on (a form open, a fix on its way) stays as it is, where it
  // is, so a live refresh never takes the text they are typing.
  function renderMisses(list) {
    var box = $("clusters");
    var kept = [], keptIDs = {};
    box.querySelectorAll(".cluster").forEach(function (card) {
      if (card.busy) {
        kept.push(card);
        missIDs(card.cluster).forEach(function (id) { keptIDs[id] = card; });
      }
    });
    var want = [];
    list.forEach(function (c) {
      c.misses.forEach(function (m) { noteCollection(m.collection); });
      var mine = kept.filter(function (k) { return k.dataset.id === c.id; })[0];
      if (mine) {
        mine.cluster = c; // a fix closes every miss the cluster has now
        want.push(mine);
        return;
      }
      if (c.misses.some(function (m) { return keptIDs[m.id]; })) return; // on show in a kept card
      var card = clusterCard(c);
      var was = box.querySelector('.cluster[data-id="' + CSS.escape(c.id) + '"] .fix-article-select');
      var sel = card.querySelector(".fix-article-select");
      if (was && sel && [].some.call(sel.options, function (o) { return o.value === was.value; })) {
        sel.value = was.value; // keep the article chosen but not yet applied
        sel.dispatchEvent(new Event("change"));
      }
      want.push(card);
    });
    kept.forEach(function (k) { if (want.indexOf(k) < 0) want.unshift(k); });
    box.querySelectorAll(".cluster").forEach(function (card) { if (want.indexOf(card) < 0) card.remove(); });
    var ref = box.firstChild;
    want.forEach(function (card) {
      if (card === ref) { ref = ref.nextSibling; return; }
      box.insertBefore(card, ref);
    });
    summarize();
  }

  function summarize() {
    var cards = document.querySelectorAll("#clusters .cluster");
    var q = 0;
    cards.forEach(function (c) { q += c.cluster.questions.length; });
    $("no-misses").hidden = cards.length > 0;
    $("misses-summary").textContent = cards.length ? count(cards.length, "group_1", "groups_n") + ", " + count(q, "question_1", "questions_n") : "";
  }

  function clusterCard(c) {
    var card = el("article", "cluster card");
    card.dataset.id = c.id;
    card.cluster = c;
    card.busy = false;

    var head = el("header", "cluster-head");
    var size = el("span", "size");
    size.appendChild(el("strong", "", String(c.questions.length)));
    size.appendChild(document.createTextNode(" " + (c.questions.length === 1 ? T.unit_question : T.unit_questions)));
    head.appendChild(size);
    var trig = el("span", "triggers");
    Object.keys(c.triggers || {}).sort(function (a, b) { return c.triggers[b] - c.triggers[a]; }).forEach(function (k) {
      var b = el("span", "trigger " + k, (T["t_" + k] || k) + " ");
      b.appendChild(el("b", "", "×" + c.triggers[k]));
      trig.appendChild(b);
    });
    head.appendChild(trig);
    var latest = c.misses.reduce(function (a, m) { return m.created_at > a ? m.created_at : a; }, "");
    var meta = [count(c.misses.length, "miss_1", "misses_n"), fmt(T.latest, { t: ago(latest) })];
    var colls = collectionsOf(c);
    if (!collection) meta.unshift(colls.join(", "));
    head.appendChild(el("span", "meta when", meta.join(" · ")));
    card.appendChild(head);

    var ul = el("ul", "questions");
    var more = el("button", "more");
    more.type = "button";
    function renderQuestions() {
      clear(ul);
      var all = expanded[c.id];
      c.questions.slice(0, all ? c.questions.length : 5).forEach(function (q) { ul.appendChild(el("li", "", q)); });
      more.hidden = c.questions.length <= 5;
      more.textContent = all ? T.show_less : fmt(T.show_all, { n: c.questions.length });
    }
    more.onclick = function () { expanded[c.id] = !expanded[c.id]; renderQuestions(); };
    renderQuestions();
    card.appendChild(ul);
    card.appendChild(more);

    var seen = el("p", "seen");
    if (c.articles && c.articles.length) {
      seen.appendChild(el("span", "label", T.seen + " "));
      c.articles.forEach(function (a, i) {
        if (i) seen.appendChild(document.createTextNode(", "));
        var link = el("a", "", a.title || a.article_id);
        link.href = articleHref(a.article_id);
        link.target = "_blank";
        link.title = a.article_id;
        seen.appendChild(link);
        if (a.count > 1) seen.appendChild(el("span", "meta", " ×" + a.count));
      });
    } else {
      seen.appendChild(el("span", "label", T.seen_none));
    }
    card.appendChild(seen);

    if (c.agent_reply) {
      var bq = el("blockquote", "agent-reply");
      bq.appendChild(el("span", "label", T.agent_reply));
      bq.appendChild(el("div", "text", c.agent_reply));
      card.appendChild(bq);
    }
    if (canFix) card.appendChild(fixes(card, c, colls));
    return card;
  }

  function fillArticles(sel, c) {
    var was = sel.value;
    clear(sel);
    var coll = collectionsOf(c)[0];
    var candidates = (c.articles || []).map(function (a) { return a.article_id; });
    var byID = {};
    articles.forEach(function (a) { byID[a.id] = a; });
    if (!candidates.length) sel.appendChild(new Option(T.choose_article, ""));
    if (candidates.length) {
      var g1 = el("optgroup");
      g1.label = T.candidates;
      c.articles.forEach(function (a) {
        var title = (byID[a.article_id] && byID[a.article_id].title) || a.title || a.article_id;
        g1.appendChild(new Option(title, a.article_id));
      });
      sel.appendChild(g1);
    }
    var others = articles.filter(function (a) {
      // Only published articles take questions; drafts have no version.
      return a.collection === coll && a.version > 0 && candidates.indexOf(a.id) < 0;
    }).sort(function (a, b) { return a.title.localeCompare(b.title); });
    if (others.length) {
      var g2 = el("optgroup");
      g2.label = T.other_articles;
      others.forEach(function (a) { g2.appendChild(new Option(a.title, a.id)); });
      sel.appendChild(g2);
    }
    if (was && [].some.call(sel.options, function (o) { return o.value === was; })) sel.value = was;
    else sel.selectedIndex = 0;
    sel.dispatchEvent(new Event("change"));
  }

  // fixes are the three one-click fixes of a cluster.
  function fixes(card, c, colls) {
    var box = el("div", "fixes");
    if (colls.length > 1) {
      box.appendChild(el("p", "meta mixed", fmt(T.mixed, { c: colls.join(", ") })));
      return box;
    }
    var row = el("div", "fix-row");
    var add = el("button", "fix-add", T.fix_add);
    add.type = "button";
    var sel = el("select", "fix-article-select");
    sel.onchange = function () { add.disabled = !sel.value; };
    row.appendChild(add);
    row.appendChild(sel);
    var nw = el("button", "fix-new", c.agent_reply ? T.fix_new : T.fix_new_plain);
    nw.type = "button";
    var wont = el("button", "fix-wont danger", T.fix_wont);
    wont.type = "button";
    row.appendChild(nw);
    row.appendChild(wont);
    box.appendChild(row);
    fillArticles(sel, c);

    // New article: title and body prefilled, editable.
    var form = el("form", "fix-new-form");
    form.hidden = true;
    var tl = el("label", "", T.title);
    var title = el("input", "fix-new-title");
    title.required = true;
    title.maxLength = 200;
    tl.appendChild(title);
    var bl = el("label", "", T.body);
    var body = el("textarea", "fix-new-body");
    body.rows = 6;
    body.required = true;
    body.placeholder = T.body_hint;
    bl.appendChild(body);
    form.appendChild(tl);
    form.appendChild(bl);
    form.appendChild(el("p", "meta", say("new_note", { n: c.questions.length })));
    var buttons = el("div", "buttons");
    var pl = el("label", "check");
    var publish = el("input", "fix-new-publish");
    publish.type = "checkbox";
    publish.checked = true;
    pl.appendChild(publish);
    pl.appendChild(document.createTextNode(" " + T.publish_now));
    buttons.appendChild(pl);
    var save = el("button", "fix-new-save primary", T.create);
    save.type = "submit";
    buttons.appendChild(save);
    buttons.appendChild(cancelButton());
    form.appendChild(buttons);
    box.appendChild(form);

    // Always hand off: confirmed in place.
    var confirmBox = el("div", "fix-wont-confirm");
    confirmBox.hidden = true;
    confirmBox.appendChild(el("span", "", say("wont_note", { n: c.questions.length })));
    var yes = el("button", "fix-wont-yes danger", T.confirm_wont);
    yes.type = "button";
    confirmBox.appendChild(yes);
    confirmBox.appendChild(cancelButton());
    box.appendChild(confirmBox);

    function cancelButton() {
      var b = el("button", "fix-cancel", T.cancel);
      b.type = "button";
      b.onclick = function () { form.hidden = true; confirmBox.hidden = true; card.busy = false; };
      return b;
    }
    nw.onclick = function () {
      confirmBox.hidden = true;
      if (form.hidden) {
        title.value = card.cluster.questions[0];
        body.value = card.cluster.agent_reply || "";
      }
      form.hidden = false;
      card.busy = true;
      title.focus();
    };
    wont.onclick = function () { form.hidden = true; confirmBox.hidden = false; card.busy = true; };
    add.onclick = function () {
      if (!sel.value) return;
      var t = sel.options[sel.selectedIndex].text;
      apply(card, { action: "add_questions", article_id: sel.value }, function () {
        return say("done_add", { n: card.cluster.questions.length, t: t });
      });
    };
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      apply(card, { action: "new_article", title: title.value.trim(), body: body.value, publish: publish.checked }, function (r) {
        return fmt(T.done_new, { t: r.article.title, s: publish.checked ? T.published : T.draft });
      });
    });
    yes.onclick = function () {
      apply(card, { action: "wont_answer" }, function () { return say("done_wont", { n: card.cluster.questions.length }); });
    };
    return box;
  }

  // apply sends a fix for every miss of the card's cluster, then shows
  // what it did and takes the card away.
  function apply(card, req, said) {
    var wasBusy = card.busy;
    card.busy = true;
    card.classList.add("working");
    card.querySelectorAll(".fixes button").forEach(function (b) { b.disabled = true; });
    req.miss_ids = missIDs(card.cluster);
    api("POST", "/api/v1/misses/fix", req).then(function (r) {
      var li = el("li", "fix-result notice");
      li.dataset.action = req.action;
      li.appendChild(el("span", "said", "✓ " + said(r)));
      li.appendChild(el("code", "fix", r.fix));
      if (r.article) {
        var a = el("a", "", T.open_editor);
        a.href = "/editor#article=" + encodeURIComponent(r.article.id);
        a.dataset.id = r.article.id;
        a.title = r.article.id;
        li.appendChild(a);
      }
      $("fix-results").insertBefore(li, $("fix-results").firstChild);
      missesSeq++; // a list asked for before the fix would bring the card back
      card.remove();
      summarize();
      if (req.action !== "add_questions") loadArticles();
    }).catch(function (e) {
      card.classList.remove("working");
      card.querySelectorAll(".fixes button").forEach(function (b) { b.disabled = false; });
      card.querySelector(".fix-add").disabled = !card.querySelector(".fix-article-select").value;
      card.busy = wasBusy;
      if (e.status === 409) {
        card.remove();
        fail(new Error(T.already_closed));
        loadMisses();
        return;
      }
      fail(e);
    });
  }

  // ---- Analytics ----

  var analyticsSeq = 0;
  var lastDays = null;

  function loadAnalytics() {
    var seq = ++analyticsSeq;
    var q = "?period=" + encodeURIComponent($("analytics-period").value) + (collection ? "&collection=" + encodeURIComponent(collection) : "");
    return api("GET", "/api/v1/analytics" + q).then(function (r) {
      if (seq === analyticsSeq) renderAnalytics(r);
    }).catch(fail);
  }
  loaders.analytics = loadAnalytics;
  $("analytics-period").onchange = loadAnalytics;
  $("analytics-refresh").onclick = loadAnalytics;

  function kpi(id, value, note) {
    $(id).textContent = value;
    $(id + "-note").textContent = note || "";
  }

  // renderCSAT fills the satisfaction table: all ratings, bot-only and
  // agent-handled conversations, then per collection and per agent.
  function renderCSAT(c) {
    var body = clear($("csat").querySelector("tbody"));
    c = c || { all: { count: 0 } };
    $("no-csat").hidden = c.all.count > 0;
    $("csat").hidden = !c.all.count;
    if (!c.all.count) return;
    var row = function (group, label, x) {
      var tr = el("tr");
      tr.dataset.group = group;
      tr.appendChild(el("td", "", label));
      tr.appendChild(el("td", "mean", x.count ? x.mean.toFixed(2) : "–"));
      tr.appendChild(el("td", "count", String(x.count)));
      body.appendChild(tr);
    };
    row("all", T.csat_all, c.all);
    row("bot_only", T.csat_bot_only, c.bot_only);
    row("agent_handled", T.csat_agent_handled, c.agent_handled);
    (c.collections || []).forEach(function (x) { row("collection:" + x.key, fmt(T.csat_collection, { k: x.key }), x); });
    (c.agents || []).forEach(function (x) { row("agent:" + x.key, fmt(T.csat_agent, { k: x.name || x.key }), x); });
  }

  function renderAnalytics(r) {
    var t = r.totals, n = t.conversations;
    var days = r.days || [];
    $("analytics-range").textContent = days.length ? fmt(T.range, { a: days[0].day, b: days[days.length - 1].day }) : "";
    var period = $("analytics-period");
    kpi("kpi-conversations", String(n), period.options[period.selectedIndex].text);
    kpi("kpi-containment", n ? pct(t.containment_rate) : "–", fmt(T.n_containment, { a: t.contained, n: n }));
    kpi("kpi-handoff", n ? pct(t.handed_off / n) : "–", count(t.handed_off, "n_handoff_1", "n_handoff"));
    kpi("kpi-wait", t.claimed ? duration(t.avg_wait_seconds) : "–", t.claimed ? count(t.claimed, "n_wait_1", "n_wait") : T.n_wait_none);
    var rated = t.thumbs_up + t.thumbs_down;
    kpi("kpi-thumbs", rated ? pct(t.thumbs_up_rate) : "–", rated ? fmt(T.n_thumbs, { u: t.thumbs_up, d: t.thumbs_down }) : T.n_thumbs_none);
    lastDays = days;
    drawChart(days);

    var reasons = Object.keys(r.handoff_reasons || {}).map(function (k) { return [k, r.handoff_reasons[k]]; })
      .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
    var ul = clear($("reasons"));
    $("no-reasons").hidden = reasons.length > 0;
    var top = reasons.length ? reasons[0][1] : 1;
    reasons.forEach(function (kv) {
      var li = el("li", "reason-row");
      li.dataset.reason = kv[0];
      var label = el("span", "label", T["r_" + kv[0]] || kv[0]);
      label.title = kv[0];
      li.appendChild(label);
      var bar = el("span", "track");
      var fill = el("span", "fill");
      fill.style.width = Math.max(2, Math.round(100 * kv[1] / top)) + "%";
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el("span", "count", String(kv[1])));
      ul.appendChild(li);
    });

    var recal = r.recalibration || {};
    var rl = clear($("recalibrations"));
    var colls = Object.keys(recal).sort();
    $("no-recalibration").hidden = colls.length > 0;
    $("no-recalibration").textContent = fmt(T.recal_none, { m: r.recalibrate_min });
    colls.forEach(function (c) {
      var x = recal[c];
      var li = el("li", "", fmt(T.recal_row, { c: c, n: x.n, r: x.correct, t: ago(x.fitted_at) }));
      li.dataset.collection = c;
      li.title = "sigmoid(" + x.a.toFixed(3) + " · logit + " + x.b.toFixed(3) + ")";
      rl.appendChild(li);
    });

    renderCSAT(r.csat);

    var ol = clear($("top-misses"));
    var tops = r.top_misses || [];
    $("no-top-misses").hidden = tops.length > 0;
    tops.forEach(function (c) {
      var li = el("li");
      var a = el("a", "", c.questions[0]);
      a.href = "#inbox";
      a.dataset.id = c.id;
      a.onclick = function (ev) { ev.preventDefault(); openCluster(c.id); };
      li.appendChild(a);
      li.appendChild(el("span", "meta", " · " + count(c.questions.length, "question_1", "questions_n") + " · " +
        count(c.misses.length, "miss_1", "misses_n")));
      ol.appendChild(li);
    });
  }

  // openCluster shows a cluster in the inbox, over the analytics' period.
  function openCluster(id) {
    var p = $("analytics-period").value;
    if ([].some.call($("misses-period").options, function (o) { return o.value === p; })) $("misses-period").value = p;
    (open === "misses" ? loadMisses() : show("misses")).then(function () {
      var card = document.querySelector('#clusters .cluster[data-id="' + CSS.escape(id) + '"]');
      if (!card) return;
      card.scrollIntoView({ block: "center", behavior: "smooth" });
      card.classList.add("flash");
      setTimeout(function () { card.classList.remove("flash"); }, 2000);
    });
  }

  // niceStep is a round tick step (1, 2 or 5 times a power of ten) that
  // cuts 0..max into about four parts.
  function niceStep(max) {
    var raw = Math.max(max / 4, 1);
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  // drawChart draws the days as stacked bars (contained, other, handed
  // off) against the left axis, and the containment rate as a line
  // against the right one.
  function drawChart(days) {
    var box = clear($("chart"));
    var W = Math.max(box.clientWidth || 0, 480), H = 300;
    var m = { l: 48, r: 56, t: 14, b: 58 };
    var pw = W - m.l - m.r, ph = H - m.t - m.b;
    var max = days.reduce(function (a, d) { return Math.max(a, d.conversations); }, 0);
    var step = niceStep(max);
    var yMax = Math.max(step * Math.ceil(max / step), step);
    var s = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    var total = days.reduce(function (a, d) { return a + d.conversations; }, 0);
    s.setAttribute("aria-label", T.chart_title + ": " + total);
    box.appendChild(s); // in the page first, so the legend can measure its labels
    var y = function (v) { return m.t + ph - ph * v / yMax; };
    var yr = function (r) { return m.t + ph - ph * r; };
    var band = pw / Math.max(days.length, 1);
    var x = function (i) { return m.l + band * i + band / 2; };

    // Grid and the left axis.
    var grid = svg("g", { class: "grid" });
    for (var v = 0; v <= yMax + 1e-9; v += step) {
      grid.appendChild(svg("line", { x1: m.l, x2: m.l + pw, y1: y(v), y2: y(v), class: v ? "gridline" : "baseline" }));
      grid.appendChild(svg("text", { x: m.l - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(Math.round(v))));
    }
    [0, 0.5, 1].forEach(function (r) {
      grid.appendChild(svg("text", { x: m.l + pw + 6, y: yr(r) + 4, "text-anchor": "start", class: "tick rate-tick" }, pct(r)));
    });
    s.appendChild(grid);
    s.appendChild(svg("text", { class: "axis-title", "text-anchor": "middle",
      transform: "translate(13 " + (m.t + ph / 2) + ") rotate(-90)" }, T.axis_conv));
    s.appendChild(svg("text", { class: "axis-title rate-title", "text-anchor": "middle",
      transform: "translate(" + (W - 10) + " " + (m.t + ph / 2) + ") rotate(90)" }, T.axis_rate));

    // Bars.
    var bw = Math.max(1, Math.min(band * 0.72, 42));
    var bars = svg("g", { class: "bars" });
    days.forEach(function (d, i) {
      var other = Math.max(0, d.conversations - d.contained - d.handed_off);
      var g = svg("g", { class: "day", "data-day": d.day });
      g.appendChild(svg("title", {}, fmt(T.tip, { d: d.day, n: d.conversations, c: d.contained, h: d.handed_off, o: other }) +
        (d.conversations ? "; " + fmt(T.tip_rate, { r: pct(d.containment_rate) }) : "")));
      // A full-height strip, so the tooltip shows on quiet days too.
      g.appendChild(svg("rect", { x: m.l + band * i, y: m.t, width: band, height: ph, class: "hover" }));
      var base = 0;
      [["contained", d.contained], ["other", other], ["handed_off", d.handed_off]].forEach(function (kv) {
        if (!kv[1]) return;
        g.appendChild(svg("rect", { x: x(i) - bw / 2, y: y(base + kv[1]), width: bw, height: y(base) - y(base + kv[1]), class: "bar " + kv[0] }));
        base += kv[1];
      });
      bars.appendChild(g);
    });
    s.appendChild(bars);

    // Containment rate, over the days that had conversations.
    var pts = [];
    days.forEach(function (d, i) { if (d.conversations) pts.push([x(i), yr(d.containment_rate)]); });
    var rates = svg("g", { class: "rates" });
    if (pts.length > 1) {
      rates.appendChild(svg("path", { class: "rate", d: pts.map(function (p, i) { return (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1); }).join(" ") }));
    }
    // Dots while there is room for them; a lone day is only a dot.
    if (band >= 16 || pts.length === 1) {
      pts.forEach(function (p) { rates.appendChild(svg("circle", { class: "rate", cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 3.5 })); });
    }
    s.appendChild(rates);

    // Day labels, as many as fit.
    var every = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(pw / 46))));
    var labels = svg("g", { class: "days" });
    days.forEach(function (d, i) {
      if ((days.length - 1 - i) % every) return; // keep the latest day labelled
      labels.appendChild(svg("text", { x: x(i), y: m.t + ph + 16, "text-anchor": "middle", class: "tick" }, d.day.slice(5)));
    });
    s.appendChild(labels);

    // Legend.
    var legend = svg("g", { class: "legend", transform: "translate(" + m.l + " " + (H - 14) + ")" });
    var lx = 0;
    [["contained", T.l_contained], ["other", T.l_other], ["handed_off", T.l_handed_off], ["rate", T.l_rate]].forEach(function (kv) {
      if (kv[0] === "rate") {
        legend.appendChild(svg("line", { x1: lx, x2: lx + 18, y1: -4, y2: -4, class: "rate" }));
        legend.appendChild(svg("circle", { cx: lx + 9, cy: -4, r: 3, class: "rate" }));
        lx += 24;
      } else {
        legend.appendChild(svg("rect", { x: lx, y: -10, width: 12, height: 12, class: "bar " + kv[0] }));
        lx += 17;
      }
      var t = svg("text", { x: lx, y: 0, class: "legend-label" }, kv[1]);
      legend.appendChild(t);
      s.appendChild(legend);
      lx += (t.getComputedTextLength() || kv[1].length * 7) + 20;
    });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (lastDays && open === "analytics") drawChart(lastDays); }, 150);
  });

  // ---- Live updates ----

  // New misses come with the bot's and agents' messages and hand-offs;
  // a thumbs down sends no event, so a slow poll catches those.
  var pending = null;
  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(function () { pending = null; if (!document.hidden) loaders[open](); }, 1500);
  }
  var es = null;
  if (role === "editor" && window.EventSource) {
    es = new EventSource("/api/v1/events");
    es.addEventListener("message", refreshSoon);
    es.addEventListener("handoff", refreshSoon);
  }
  setInterval(function () { if (!document.hidden) loaders[open](); }, es ? 60000 : 30000);

  loadArticles().then(function () { return show(tabOf(location.hash)); });
})();
