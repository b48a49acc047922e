// Baton editor console: upload documents and watch the job, edit and
// publish articles with their history, try questions as the bot would
// answer them, and read the audit log. Job progress arrives over the
// staff event stream; when that is down the page polls instead.
//
// Element ids tests and people rely on:
//   tabs        #tabs button[data-tab=upload|articles|search|audit], sections #tab-<name>
//   upload      #upload-form, #collection, #files, #drop, #draft, #upload-submit,
//               #job (data-status), #job-id, #job-status, #progress (aria-valuenow/max),
//               #progress-text, #file-results tbody tr.<ingested|unchanged|rejected|pending>
//               (td.name, td.size, td.status, td.detail: the reason or what was added),
//               #live (shown while polling), #jobs tbody tr (data-id)
//   articles    #filter-collection, #filter-text, #new-article, #articles li (data-id,
//               .selected; badges .badge.draft, .badge.version, .badge.handoff),
//               #article-editor, #edit-heading, #edit-state, #edit-message, #reload-article,
//               #edit-collection, #edit-title, #edit-body, #edit-questions, #edit-tags,
//               #edit-always, #save-draft, #publish, #discard-draft, #delete-article,
//               #versions li (data-version; button.diff, button.restore), #diff (span.add,
//               span.del, span.hunk)
//   retrieval   #search-form, #search-collection, #search-question, #search-results,
//               #search-band, #search-confidence, #search-reasons, #search-answer,
//               #search-passages li.passage (a.open-article[data-id], .score), #search-hits
//   duplicates  #dup-collection, #dup-refresh, #dup-groups li.dup-group li.member (data-id;
//               button.merge), #no-dups
//   welcome     #welcome-form, #welcome-collection, #welcome-load, #welcome-greeting-<en|zh>,
//               #welcome-starters-<en|zh> (one per line), #welcome-save, #welcome-status
//   audit       #audit tbody tr, #audit-refresh
//   errors      #error
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    tab_upload: "上传", tab_articles: "文章", tab_search: "检索测试", tab_audit: "操作日志", logout: "退出", insights: "漏答与统计", to_admin: "管理",
    upload_title: "添加文档", collection: "知识库", drop_hint: "把文件拖到这里，或选择文件：",
    formats: "支持 Markdown、文本、HTML、PDF、Word、CSV、Excel、JSONL，或这些文件的 ZIP 压缩包。",
    as_drafts: "保存为草稿（稍后发布）", upload: "上传", job: "任务", file: "文件", size: "大小", status: "状态",
    details: "详情", recent_jobs: "最近的上传", when: "时间", by: "操作人", files: "文件", no_jobs: "还没有上传。",
    all_collections: "全部知识库", filter: "筛选", new_article: "新建文章", no_articles: "没有文章。",
    reload: "重新加载", title: "标题", body: "正文（Markdown）", questions: "相似问题，每行一个",
    tags: "标签，用逗号分隔", always: "始终转人工", save_draft: "保存草稿", publish: "发布", discard: "丢弃草稿",
    view: "查看已发布", preview: "预览", edit_source: "编辑", delete: "删除", history: "历史版本", no_versions: "尚未发布。",
    search_title: "像客户一样提问", question: "问题", search: "检索", confidence: "置信度",
    answer: "机器人会这样回答", ranked: "排序后的段落", other_hits: "其他匹配", refresh: "刷新",
    who: "操作人", action: "操作", target: "对象",
    choose: "请先选择文件。", files_done: "个文件", passage: "个段落", passages: "个段落", embedding: "个向量", embeddings: "个向量",
    s_queued: "排队中", s_running: "处理中", s_done: "完成", s_failed: "失败",
    f_ingested: "已导入", f_unchanged: "未变化", f_rejected: "已拒绝", f_pending: "等待中",
    added: "新增", updated: "更新", removed: "删除", badge_draft: "草稿", badge_handoff: "始终转人工",
    new_heading: "新文章", published_v: "已发布版本 ", not_published: "尚未发布", draft_by: "草稿，保存者 ",
    saved: "草稿已保存。", published: "已发布版本 ", discarded: "草稿已丢弃。", deleted: "文章已删除。",
    restored: "已将版本 {v} 恢复为草稿。", confirm_delete: "删除“{t}”？此操作会从所有索引中移除它，且无法撤销。",
    confirm_discard: "丢弃这份草稿？", diff_vs_draft: "与草稿比较", diff_vs_current: "与当前版本比较", restore: "恢复",
    current: "当前", diff_title: "版本 {a} → {b}", no_diff: "没有差异。", v: "版本 ",
    b_answer: "直接回答", b_clarify: "需要澄清", b_handoff: "转人工", score: "得分", no_hits: "什么也没找到。",
    stream_down: "实时通道不可用，改为每秒刷新。", stale: "有人在你编辑期间发布了新版本。",
    tab_duplicates: "重复文章", dup_title: "回答同一问题的文章", no_dups: "没有重复的文章。",
    dup_hint: "机器人无法区分这些文章，只能反问客户指的是哪一篇。把每组合并成一篇：其他文章的标题和相似问题会移入其中，操作日志会完整保留被合并的文章。",
    merge_into: "合并到这一篇", q_count: "个相似问题", merged: "已合并到“{t}”。", confirm_merge: "把其他 {n} 篇合并到“{t}”？",
    tab_welcome: "欢迎语", welcome_title: "聊天页面的开场", greeting: "欢迎语", starters: "推荐问题，每行一个（最多 5 个）",
    welcome_hint: "留空时，页面使用内置的欢迎语，并推荐本月机器人回答最多的问题。", save: "保存", welcome_saved: "已保存，聊天页面下次打开时生效。"
  } : {
    tab_upload: "Upload", tab_articles: "Articles", tab_search: "Retrieval console", tab_audit: "Audit log", logout: "Sign out", insights: "Insights", to_admin: "Admin",
    upload_title: "Add documents", collection: "Collection", drop_hint: "Drop files here, or choose them:",
    formats: "Markdown, text, HTML, PDF, Word, CSV, Excel, JSONL, or a ZIP of them.",
    as_drafts: "Save as drafts (publish later)", upload: "Upload", job: "Job", file: "File", size: "Size", status: "Status",
    details: "Details", recent_jobs: "Recent jobs", when: "When", by: "By", files: "Files", no_jobs: "No uploads yet.",
    all_collections: "all collections", filter: "filter", new_article: "New article", no_articles: "No articles.",
    reload: "Reload", title: "Title", body: "Body (Markdown)", questions: "Similar questions, one per line",
    tags: "Tags, comma-separated", always: "Always hand off to a person", save_draft: "Save draft", publish: "Publish",
    discard: "Discard draft", view: "View published", preview: "Preview", edit_source: "Edit", delete: "Delete", history: "History", no_versions: "Not published yet.",
    search_title: "Ask as a customer would", question: "question", search: "Search", confidence: "Confidence",
    answer: "The bot would answer", ranked: "Ranked passages", other_hits: "Other matches", refresh: "Refresh",
    who: "Who", action: "Action", target: "Target",
    choose: "Choose some files first.", files_done: "files", passage: "passage", passages: "passages", embedding: "embedding", embeddings: "embeddings",
    s_queued: "queued", s_running: "running", s_done: "done", s_failed: "failed",
    f_ingested: "ingested", f_unchanged: "unchanged", f_rejected: "rejected", f_pending: "pending",
    added: "added", updated: "updated", removed: "removed", badge_draft: "draft", badge_handoff: "always hands off",
    new_heading: "New article", published_v: "Published version ", not_published: "Not published yet", draft_by: "draft by ",
    saved: "Draft saved.", published: "Published version ", discarded: "Draft discarded.", deleted: "Article deleted.",
    restored: "Version {v} restored as a draft.", confirm_delete: "Delete “{t}”? It leaves every index and cannot be undone.",
    confirm_discard: "Discard this draft?", diff_vs_draft: "diff vs draft", diff_vs_current: "diff vs current", restore: "Restore",
    current: "current", diff_title: "Version {a} → {b}", no_diff: "No differences.", v: "v",
    b_answer: "answer", b_clarify: "clarify", b_handoff: "hand off", score: "score", no_hits: "Nothing found.",
    stream_down: "Live updates are unavailable; refreshing every second.", stale: "Someone published a newer version while you edited.",
    tab_duplicates: "Near-duplicates", dup_title: "Articles that answer the same question", no_dups: "No near-duplicate articles.",
    dup_hint: "The bot cannot tell these apart, so it asks the customer which one was meant. Merge each group into one article: the others' titles and similar questions move into it, and the audit log keeps the others whole.",
    merge_into: "Merge into this one", q_count: "similar questions", merged: "Merged into “{t}”.", confirm_merge: "Merge the other {n} into “{t}”?",
    tab_welcome: "Welcome", welcome_title: "What the chat page says first", greeting: "Greeting",
    starters: "Starter questions, one per line (at most 5)",
    welcome_hint: "Left empty, the page greets with the built-in words and offers the questions the bot answered most this month.",
    save: "Save", welcome_saved: "Saved: the chat page shows it from its next opening."
  };
  document.querySelectorAll("[data-i18n]").forEach(function (e) { e.textContent = T[e.dataset.i18n]; });
  document.querySelectorAll("[data-i18n-placeholder]").forEach(function (e) { e.placeholder = T[e.dataset.i18nPlaceholder]; });
  if (zh) document.documentElement.lang = "zh-CN";


  var $ = Baton.$, el = Baton.el, fmt = Baton.fmt, api = Baton.api, fail = Baton.fail;
  function enc(id) { return encodeURIComponent(id); }
  function size(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }
  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso || "";
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }
  function count(n, one, many) { return n + " " + (n === 1 ? one : many); }
  function clear(node) { node.textContent = ""; return node; }

  // Tabs: the hash names the open one, so a reload keeps it.
  var loaders = {};
  var open = null; // the tab on show
  function show(name) {
    if (!$("tab-" + name)) name = "upload";
    var changed = open !== name;
    open = name;
    document.querySelectorAll("section.tab").forEach(function (s) { s.hidden = s.id !== "tab-" + name; });
    document.querySelectorAll("#tabs button").forEach(function (b) { b.classList.toggle("active", b.dataset.tab === name); });
    if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
    if (changed && loaders[name]) loaders[name]();
  }
  document.querySelectorAll("#tabs button").forEach(function (b) { b.onclick = function () { show(b.dataset.tab); }; });
  window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });
  $("logout").onclick = function () { api("DELETE", "/api/v1/session").then(function () { location.href = "/login?next=/editor"; }).catch(fail); };

  // ---- Upload ----

  var job = null;        // the job on show
  var jobSeen = {};      // latest state of each job the stream has told of
  var lastJobUpdate = 0; // when the shown job last changed, ms

  function listSelected() {
    var ul = clear($("selected"));
    Array.prototype.forEach.call($("files").files, function (f) {
      ul.appendChild(el("li", "", f.name + " (" + size(f.size) + ")"));
    });
  }
  $("files").addEventListener("change", listSelected);
  var drop = $("drop");
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (ev) {
    ev.preventDefault();
    if (ev.dataTransfer && ev.dataTransfer.files.length) {
      $("files").files = ev.dataTransfer.files;
      listSelected();
    }
  });

  $("upload-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var files = $("files").files;
    if (!files.length) { fail(new Error(T.choose)); return; }
    var fd = new FormData();
    Array.prototype.forEach.call(files, function (f) { fd.append("files", f, f.name); });
    var coll = $("collection").value.trim() || "default";
    var btn = $("upload-submit");
    btn.disabled = true;
    api("POST", "/api/v1/collections/" + enc(coll) + "/documents" + ($("draft").checked ? "?draft=true" : ""), fd)
      .then(function (r) {
        $("upload-form").reset();
        $("collection").value = coll;
        listSelected();
        showJob(newer(jobSeen[r.job.id], r.job));
        // Progress sent before the answer arrived is not lost: ask once.
        return refreshJob().then(loadJobs);
      })
      .catch(fail)
      .then(function () { btn.disabled = false; });
  });

  function finished(j) { return j.status === "done" || j.status === "failed"; }
  // newer picks the later of two states of a job.
  function newer(a, b) {
    if (!a) return b;
    if (!b) return a;
    if (finished(a) !== finished(b)) return finished(a) ? a : b;
    if (a.files_done !== b.files_done) return a.files_done > b.files_done ? a : b;
    return Date.parse(a.updated_at) >= Date.parse(b.updated_at) ? a : b;
  }

  function showJob(j) {
    job = j;
    lastJobUpdate = Date.now();
    var box = $("job");
    box.hidden = false;
    box.dataset.status = j.status;
    $("job-id").textContent = j.id + (j.draft ? " · " + T.badge_draft : "") + " · " + j.collection;
    var st = $("job-status");
    st.textContent = T["s_" + j.status] || j.status;
    st.className = "status " + j.status;
    var bar = $("progress");
    var total = j.files_total || 0, done = j.files_done || 0;
    bar.setAttribute("aria-valuemax", total);
    bar.setAttribute("aria-valuenow", done);
    bar.className = j.status;
    bar.firstElementChild.style.width = (total ? Math.round(100 * done / total) : 0) + "%";
    $("live").hidden = finished(j) || streamUp();
    $("progress-text").textContent = done + "/" + total + " " + T.files_done + " · " +
      count(j.chunks || 0, T.passage, T.passages) + " · " + count(j.embedded || 0, T.embedding, T.embeddings);
    var je = $("job-error");
    je.hidden = !j.error;
    je.textContent = j.error || "";
    var tb = clear($("file-results").tBodies[0]);
    (j.files || []).forEach(function (f) {
      var tr = el("tr", f.status);
      tr.appendChild(el("td", "name", f.name));
      tr.appendChild(el("td", "size", size(f.bytes || 0)));
      tr.appendChild(el("td", "status", T["f_" + f.status] || f.status));
      var detail = f.reason || "";
      if (!detail && f.status === "ingested") {
        detail = [[T.added, f.added], [T.updated, f.updated], [T.removed, f.removed]]
          .filter(function (kv) { return kv[1]; })
          .map(function (kv) { return kv[0] + " " + kv[1]; }).join(", ");
      }
      var td = el("td", "detail", detail);
      (f.articles || []).forEach(function (id) {
        var a = el("a", "open-article", id);
        a.href = "#articles";
        a.dataset.id = id;
        td.appendChild(document.createTextNode(" "));
        td.appendChild(a);
      });
      tr.appendChild(td);
      tb.appendChild(tr);
    });
  }
  function refreshJob() {
    if (!job) return Promise.resolve();
    var id = job.id;
    return api("GET", "/api/v1/jobs/" + enc(id)).then(function (r) {
      if (job && job.id === id) {
        var was = job.status;
        showJob(newer(job, r.job));
        if (finished(job) && !finished({ status: was })) loadJobs();
      }
    });
  }
  function onJobEvent(j) {
    jobSeen[j.id] = newer(jobSeen[j.id], j);
    if (job && job.id === j.id) {
      var was = job.status;
      showJob(newer(job, j));
      if (finished(job) && !finished({ status: was })) loadJobs();
    } else if (finished(j)) {
      loadJobs();
    }
  }

  function loadJobs() {
    return api("GET", "/api/v1/jobs").then(function (r) {
      var tb = clear($("jobs").tBodies[0]);
      $("no-jobs").hidden = r.jobs.length > 0;
      r.jobs.slice(0, 20).forEach(function (j) {
        var tr = el("tr", j.status + (job && job.id === j.id ? " selected" : ""));
        tr.dataset.id = j.id;
        tr.appendChild(el("td", "", when(j.created_at)));
        tr.appendChild(el("td", "", j.collection + (j.draft ? " (" + T.badge_draft + ")" : "")));
        tr.appendChild(el("td", "", j.created_by));
        var rejected = (j.files || []).filter(function (f) { return f.status === "rejected"; }).length;
        tr.appendChild(el("td", "", j.files_done + "/" + j.files_total + (rejected ? " · " + rejected + " " + T.f_rejected : "")));
        var st = el("td");
        st.appendChild(el("span", "status " + j.status, T["s_" + j.status] || j.status));
        tr.appendChild(st);
        tr.onclick = function () { showJob(newer(jobSeen[j.id], j)); refreshJob().catch(fail); };
        tb.appendChild(tr);
      });
    }).catch(fail);
  }
  loaders.upload = loadJobs;

  // Live progress: the staff stream when it is up; otherwise, or when it
  // has said nothing for a while (a lagging subscriber loses events),
  // ask every second while the job on show is unfinished.
  var es = null;
  if (window.EventSource) {
    es = new EventSource("/api/v1/events");
    es.addEventListener("job", function (ev) {
      var e = JSON.parse(ev.data);
      if (e.data) onJobEvent(e.data);
    });
  }
  function streamUp() { return !!es && es.readyState === EventSource.OPEN; }
  setInterval(function () {
    if (!job || finished(job)) return;
    if (streamUp() && Date.now() - lastJobUpdate < 5000) return;
    refreshJob().catch(function () {});
  }, 1000);

  // ---- Articles ----

  var articles = [];
  var cur = null; // the open article: {id, article, draft, versions, base} (id null when new)

  function loadArticles() {
    var coll = $("filter-collection").value.trim();
    return api("GET", "/api/v1/articles" + (coll ? "?collection=" + enc(coll) : "")).then(function (r) {
      articles = r.articles;
      renderArticles();
    }).catch(fail);
  }
  function renderArticles() {
    var q = $("filter-text").value.trim().toLowerCase();
    var ul = clear($("articles"));
    var shown = articles.filter(function (a) {
      return !q || a.title.toLowerCase().indexOf(q) >= 0 || a.id.toLowerCase().indexOf(q) >= 0;
    });
    shown.sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
    $("no-articles").hidden = shown.length > 0;
    shown.forEach(function (a) {
      var li = el("li", cur && cur.id === a.id ? "selected" : "");
      li.dataset.id = a.id;
      li.appendChild(el("span", "title", a.title));
      var meta = el("span", "badges");
      if (a.version) meta.appendChild(el("span", "badge version", T.v + a.version));
      if (a.draft) meta.appendChild(el("span", "badge draft", T.badge_draft));
      if (a.always_handoff) meta.appendChild(el("span", "badge handoff", T.badge_handoff));
      li.appendChild(meta);
      li.appendChild(el("span", "id", a.id));
      li.onclick = function () { openArticle(a.id).catch(fail); };
      ul.appendChild(li);
    });
  }
  $("filter-collection").addEventListener("change", loadArticles);
  $("filter-text").addEventListener("input", renderArticles);
  loaders.articles = loadArticles;

  function notice(text, stale) {
    $("edit-message").hidden = !text;
    $("edit-message").className = "notice" + (stale ? " stale" : "");
    $("edit-message-text").textContent = text || "";
    $("reload-article").hidden = !stale;
  }

  function fill(a) {
    $("edit-collection").value = a.collection || "default";
    $("edit-title").value = a.title || "";
    $("edit-body").value = a.body || "";
    $("edit-questions").value = (a.questions || []).join("\n");
    $("edit-tags").value = (a.tags || []).join(", ");
    $("edit-always").checked = !!a.always_handoff;
  }
  function form() {
    var lines = function (s, sep) { return s.split(sep).map(function (x) { return x.trim(); }).filter(Boolean); };
    var f = {
      title: $("edit-title").value.trim(),
      body: $("edit-body").value,
      questions: lines($("edit-questions").value, /\n/),
      tags: lines($("edit-tags").value, /[,，]/),
      always_handoff: $("edit-always").checked
    };
    var src = cur && (cur.draft ? cur.draft.article : cur.article);
    if (src && src.lang) f.lang = src.lang;
    return f;
  }

  function openArticle(id, message) {
    return api("GET", "/api/v1/articles/" + enc(id)).then(function (r) {
      cur = { id: id, article: r.article, draft: r.draft, versions: r.versions || [] };
      // The published version this edit starts from: the draft's own base
      // when there is a draft, so a publish in between is caught.
      cur.base = r.draft ? r.draft.base_version : (r.article ? r.article.version : 0);
      show("articles");
      renderEditor();
      notice(message || "");
    });
  }

  // The preview shows the body as the chat and the article page will:
  // rendered and sanitised by the server, never by this page.
  function showPreview(on) {
    $("edit-preview").hidden = !on;
    $("edit-body").hidden = on;
    $("preview-toggle").textContent = on ? T.edit_source : T.preview;
    if (!on) return;
    api("POST", "/api/v1/preview", { text: $("edit-body").value }).then(function (r) {
      $("edit-preview").innerHTML = r.html;
    }).catch(fail);
  }
  $("preview-toggle").onclick = function () { showPreview($("edit-preview").hidden); };

  function renderEditor() {
    showPreview(false);
    $("article-editor").hidden = false;
    $("diff-box").hidden = true;
    var isNew = !cur.id;
    var a = cur.article, d = cur.draft;
    fill(d ? d.article : a || {});
    $("edit-heading").textContent = isNew ? T.new_heading : cur.id;
    $("edit-collection").disabled = !isNew;
    var state = [];
    state.push(a ? T.published_v + a.version + " · " + when(a.updated_at) : T.not_published);
    if (d) state.push(T.draft_by + d.updated_by + " · " + when(d.updated_at));
    $("edit-state").textContent = isNew ? "" : state.join(" — ");
    $("discard-draft").hidden = !d;
    $("delete-article").hidden = isNew;
    var view = $("view-article");
    view.hidden = !a;
    if (a) view.href = "/articles/" + cur.id.split("/").map(encodeURIComponent).join("/");
    renderVersions();
    renderArticles();
  }

  function renderVersions() {
    var ol = clear($("versions"));
    var vs = (cur.versions || []).slice().sort(function (x, y) { return y.version - x.version; });
    $("no-versions").hidden = vs.length > 0 || !cur.id;
    var top = cur.article ? cur.article.version : 0;
    vs.forEach(function (v) {
      var li = el("li", v.version === top ? "current" : "");
      li.dataset.version = v.version;
      li.appendChild(el("strong", "", T.v + v.version));
      li.appendChild(el("span", "meta", " " + v.updated_at + " · " + v.title + (v.version === top ? " (" + T.current + ")" : "")));
      var to = cur.draft ? "draft" : (v.version !== top ? String(top) : "");
      if (to) {
        var b = el("button", "diff", cur.draft ? T.diff_vs_draft : T.diff_vs_current);
        b.type = "button";
        b.onclick = function () { showDiff(v.version, to); };
        li.appendChild(b);
      }
      if (v.version !== top || cur.draft) {
        var r = el("button", "restore", T.restore);
        r.type = "button";
        r.onclick = function () { restore(v.version); };
        li.appendChild(r);
      }
      ol.appendChild(li);
    });
  }

  function showDiff(from, to) {
    api("GET", "/api/v1/articles/" + enc(cur.id) + "/diff?from=" + from + "&to=" + to).then(function (r) {
      var pre = clear($("diff"));
      $("diff-title").textContent = fmt(T.diff_title, { a: from, b: to === "draft" ? T.badge_draft : to });
      if (!r.diff) pre.appendChild(el("span", "meta", T.no_diff));
      r.diff.split("\n").forEach(function (line) {
        var cls = "";
        if (line.indexOf("+++") === 0 || line.indexOf("---") === 0) cls = "file";
        else if (line[0] === "+") cls = "add";
        else if (line[0] === "-") cls = "del";
        else if (line.indexOf("@@") === 0) cls = "hunk";
        pre.appendChild(el("span", cls, line + "\n"));
      });
      $("diff-box").hidden = false;
      $("diff-box").scrollIntoView({ block: "nearest" });
    }).catch(fail);
  }

  // editFailed shows why a save or publish was refused; a conflict
  // offers to reload the newer version.
  function editFailed(e) {
    if (e.status === 409) { notice(T.stale + " " + e.message, true); return; }
    notice("");
    fail(e);
  }

  // saveDraft stores the form as the draft (creating the article when new)
  // and resolves to the article's id.
  function saveDraft() {
    var f = form();
    if (!cur.id) {
      f.collection = $("edit-collection").value.trim() || "default";
      return api("POST", "/api/v1/articles", f).then(function (r) { return r.draft.article.id; });
    }
    f.base_version = cur.base;
    return api("PUT", "/api/v1/articles/" + enc(cur.id) + "/draft", f).then(function () { return cur.id; });
  }
  var busy = false;
  function act(fn) {
    if (busy || !cur) return;
    busy = true;
    document.querySelectorAll("#edit-form button").forEach(function (b) { b.disabled = true; });
    fn().catch(editFailed).then(function () {
      busy = false;
      document.querySelectorAll("#edit-form button").forEach(function (b) { b.disabled = false; });
    });
  }
  $("save-draft").onclick = function () {
    act(function () {
      return saveDraft().then(function (id) { return openArticle(id, T.saved); }).then(loadArticles);
    });
  };
  $("publish").onclick = function () {
    act(function () {
      return saveDraft().then(function (id) {
        return api("POST", "/api/v1/articles/" + enc(id) + "/publish").then(function (r) {
          return openArticle(id, T.published + r.article.version + ".");
        });
      }).then(loadArticles);
    });
  };
  $("discard-draft").onclick = function () {
    if (!cur || !cur.draft || !confirm(T.confirm_discard)) return;
    act(function () {
      return api("DELETE", "/api/v1/articles/" + enc(cur.id) + "/draft").then(function () {
        if (cur.article) return openArticle(cur.id, T.discarded);
        closeEditor();
      }).then(loadArticles);
    });
  };
  $("delete-article").onclick = function () {
    if (!cur || !cur.id || !confirm(fmt(T.confirm_delete, { t: $("edit-title").value }))) return;
    act(function () {
      return api("DELETE", "/api/v1/articles/" + enc(cur.id)).then(function () {
        closeEditor();
        fail(new Error(T.deleted));
      }).then(loadArticles);
    });
  };
  $("reload-article").onclick = function () { if (cur && cur.id) openArticle(cur.id).catch(fail); };
  function restore(version) {
    act(function () {
      return api("POST", "/api/v1/articles/" + enc(cur.id) + "/restore", { version: version }).then(function () {
        return openArticle(cur.id, fmt(T.restored, { v: version }));
      }).then(loadArticles);
    });
  }
  function closeEditor() {
    cur = null;
    $("article-editor").hidden = true;
  }
  $("new-article").onclick = function () {
    cur = { id: null, article: null, draft: null, versions: [], base: 0 };
    renderEditor();
    $("edit-collection").value = $("filter-collection").value.trim() || "default";
    notice("");
    $("edit-title").focus();
  };
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a.open-article");
    if (!a) return;
    ev.preventDefault();
    openArticle(a.dataset.id).catch(fail);
  });

  // ---- Retrieval console ----

  $("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = $("search-question").value.trim();
    if (!q) return;
    api("POST", "/api/v1/search", { collection: $("search-collection").value.trim() || "default", question: q })
      .then(renderSearch).catch(fail);
  });
  function articleLink(id, title) {
    var a = el("a", "open-article", title || id);
    a.href = "#articles";
    a.dataset.id = id;
    return a;
  }
  function renderSearch(r) {
    $("search-results").hidden = false;
    var band = $("search-band");
    band.textContent = T["b_" + r.band] || r.band;
    band.className = "band " + r.band;
    $("search-confidence").textContent = Math.round((r.confidence || 0) * 100) + "%";
    var rs = clear($("search-reasons"));
    (r.reasons || []).forEach(function (x) { rs.appendChild(el("li", "reason", x)); });
    $("search-answer").textContent = r.answer || T.no_hits;
    var titles = {};
    (r.passages || []).forEach(function (p) { titles[p.article_id] = p.title; });
    articles.forEach(function (a) { if (!titles[a.id]) titles[a.id] = a.title; });
    var ol = clear($("search-passages"));
    var cites = r.citations || [];
    (r.passages || []).forEach(function (p, i) {
      var li = el("li", "passage");
      li.dataset.id = p.article_id;
      var head = el("div", "head");
      head.appendChild(articleLink(p.article_id, p.title));
      if (cites[i]) head.appendChild(el("span", "score", T.score + " " + cites[i].score.toFixed(3)));
      head.appendChild(el("span", "id", p.article_id));
      li.appendChild(head);
      li.appendChild(el("div", "text", p.text));
      ol.appendChild(li);
    });
    // Every hit the search ranked, beyond the passages shown above.
    var hl = clear($("search-hits"));
    var rest = (r.hits || []).slice((r.passages || []).length);
    $("search-hits-title").hidden = rest.length === 0;
    hl.start = (r.passages || []).length + 1;
    rest.forEach(function (h) {
      var li = el("li", "hit");
      li.appendChild(articleLink(h.article_id, titles[h.article_id]));
      li.appendChild(el("span", "score", T.score + " " + h.score.toFixed(3)));
      li.appendChild(el("span", "id", h.chunk_id));
      hl.appendChild(li);
    });
  }

  // ---- Near-duplicate articles ----

  function loadDuplicates() {
    var c = $("dup-collection").value.trim() || "default";
    return api("GET", "/api/v1/duplicates?collection=" + enc(c)).then(function (r) {
      var ul = clear($("dup-groups"));
      $("no-dups").hidden = r.groups.length > 0;
      r.groups.forEach(function (g) {
        var li = el("li", "dup-group");
        var members = el("ul", "members");
        g.forEach(function (a) {
          var m = el("li", "member");
          m.dataset.id = a.id;
          m.appendChild(articleLink(a.id, a.title));
          m.appendChild(el("span", "meta", " " + (a.questions || []).length + " " + T.q_count));
          var b = el("button", "merge", T.merge_into);
          b.type = "button";
          b.onclick = function () {
            var from = g.filter(function (x) { return x.id !== a.id; }).map(function (x) { return x.id; });
            if (!confirm(fmt(T.confirm_merge, { n: from.length, t: a.title }))) return;
            api("POST", "/api/v1/articles/" + enc(a.id) + "/merge", { from: from }).then(function () {
              Baton.notice && Baton.notice(fmt(T.merged, { t: a.title }));
              loadDuplicates();
              loadArticles();
            }).catch(fail);
          };
          m.appendChild(b);
          members.appendChild(m);
        });
        li.appendChild(members);
        ul.appendChild(li);
      });
    }).catch(fail);
  }
  $("dup-refresh").onclick = loadDuplicates;
  loaders.duplicates = loadDuplicates;

  // ---- Welcome: the chat page's greeting and starter questions ----

  var langs = ["en", "zh"];
  function welcomePath() { return "/api/v1/collections/" + enc($("welcome-collection").value.trim() || "default") + "/welcome/settings"; }
  function loadWelcome() {
    $("welcome-status").textContent = "";
    return api("GET", welcomePath()).then(function (w) {
      langs.forEach(function (l) {
        $("welcome-greeting-" + l).value = (w.greeting || {})[l] || "";
        $("welcome-starters-" + l).value = ((w.starters || {})[l] || []).join("\n");
      });
    }).catch(fail);
  }
  $("welcome-load").onclick = loadWelcome;
  $("welcome-form").onsubmit = function (ev) {
    ev.preventDefault();
    var w = { greeting: {}, starters: {} };
    langs.forEach(function (l) {
      w.greeting[l] = $("welcome-greeting-" + l).value;
      w.starters[l] = $("welcome-starters-" + l).value.split("\n");
    });
    api("PUT", welcomePath(), w).then(function () {
      $("welcome-status").textContent = T.welcome_saved;
      return loadWelcome().then(function () { $("welcome-status").textContent = T.welcome_saved; });
    }).catch(fail);
  };
  loaders.welcome = loadWelcome;

  // ---- Audit log ----

  function loadAudit() {
    return api("GET", "/api/v1/audit").then(function (r) {
      var tb = clear($("audit").tBodies[0]);
      r.audit.forEach(function (e) {
        var tr = el("tr", e.action.replace(/\W+/g, "-"));
        tr.appendChild(el("td", "when", when(e.at)));
        tr.appendChild(el("td", "", e.actor));
        tr.appendChild(el("td", "action", e.action));
        tr.appendChild(el("td", "target", e.target));
        tr.appendChild(el("td", "detail", e.detail || ""));
        tb.appendChild(tr);
      });
    }).catch(fail);
  }
  $("audit-refresh").onclick = loadAudit;
  loaders.audit = loadAudit;

  // "#article=ID" (as the insights page links) opens that article.
  var wanted = /^#article=(.+)$/.exec(location.hash);
  if (wanted) {
    show("articles");
    openArticle(decodeURIComponent(wanted[1]));
  } else {
    show(location.hash.slice(1) || "upload");
    if (location.hash.slice(1) !== "articles") loadArticles(); // titles for the retrieval console
  }
})();
