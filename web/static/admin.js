// Baton admin console: staff accounts (add, change role, disable or
// enable, reset a password, create and revoke API keys) and the audit log
// of those changes. Everything goes through /api/v1/admin/users.
//
// Element ids tests and people rely on:
//   staff     #staff tbody tr.user[data-id][data-name] (.name, select.role,
//             .status span.state.<enabled|disabled>, button.keys, .created,
//             button.toggle, button.reset, button.new-key), tr.keys-row[data-user]
//             (li.key[data-id].<live|revoked>, button.revoke), #staff-refresh, #no-staff
//   add       #add-form, #add-name, #add-role, #add-password, #add-submit, #add-status
//   key       #key-dialog, #key-user, #key-value, #key-copy, #key-copied, #key-close
//   password  #password-dialog, #password-user, #password-new, #password-save, #password-cancel
//   audit     #audit tbody tr (.when, .actor, .action, .target, .detail), #audit-kind, #audit-refresh, #audit-more, #no-audit
//   errors    #error
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    tab_staff: "员工", to_console: "客服台", to_editor: "编辑器", to_insights: "漏答与统计", logout: "退出",
    staff_title: "员工账号", refresh: "刷新",
    staff_hint: "客服处理排队，编辑维护知识库，管理员可以做所有事。停用的账号不能登录，其 API 密钥也会失效，直到重新启用；最后一个启用的管理员不能被停用或降级。",
    name: "用户名", role: "角色", status: "状态", keys: "API 密钥", created: "创建时间", actions: "操作", no_staff: "还没有员工账号。",
    role_agent: "客服", role_editor: "编辑", role_admin: "管理员",
    enabled: "启用", disabled: "已停用", disable: "停用", enable: "启用", reset: "重置密码", new_key: "新建 API 密钥",
    keys_n: "{n} 个密钥", keys_none: "无密钥", key_only: "仅密钥登录", you: "（你）",
    add_title: "添加员工", password: "密码", add: "添加",
    password_rule: "密码长 10 到 72 个字符。用户名不能有空格，登录时使用。",
    added: "已添加{role}“{name}”。",
    key_title: "新的 API 密钥", key_for: "账号", key_note: "请立即复制：这个密钥只显示这一次。使用方式：Authorization: Bearer 密钥。",
    copy: "复制", copied: "已复制。", copy_failed: "无法自动复制，请手动选择复制。", done: "完成",
    reset_title: "设置新密码：", reset_note: "该员工的登录会话会被退出，API 密钥不受影响。", save: "保存", cancel: "取消",
    password_set: "已为“{name}”设置新密码。",
    key_created: "创建于 {t}", key_revoked: "已于 {t} 吊销", revoke: "吊销", no_keys: "没有 API 密钥。",
    audit_title: "审计日志", when: "时间", who: "操作人", action: "操作", account: "对象", details: "详情",
    no_audit: "还没有这类记录。", older: "更早的记录",
    k_user: "员工账号", k_team: "团队", k_policy: "转人工策略", k_integration: "集成", k_article: "文章",
    k_handoff: "客服操作", k_conversation: "会话：导出、删除", k_customer: "客户：导出、删除", k_all: "全部",
    a_add: "添加账号", a_update: "修改账号", a_passwd: "重置密码", a_key: "新建密钥", a_revoke: "吊销密钥",
    d_role: "角色 {v}", d_password: "有密码", d_no_password: "仅密钥", d_key: "密钥 {v}", d_signed_out: "登录会话已退出",
    d_change: "{f}：{a} → {b}", f_role: "角色", f_disabled: "状态", sep: "，"
  } : {
    tab_staff: "Staff", to_console: "Console", to_editor: "Editor", to_insights: "Insights", logout: "Sign out",
    staff_title: "Staff accounts", refresh: "Refresh",
    staff_hint: "Agents work the queue, editors the knowledge base, admins everything. A disabled account cannot sign in and its API keys stop working until it is enabled again; the last enabled admin cannot be disabled or demoted.",
    name: "Name", role: "Role", status: "Status", keys: "API keys", created: "Created", actions: "Actions", no_staff: "No staff accounts.",
    role_agent: "Agent", role_editor: "Editor", role_admin: "Admin",
    enabled: "enabled", disabled: "disabled", disable: "Disable", enable: "Enable", reset: "Reset password", new_key: "Create API key",
    keys_n: "{n} keys", keys_1: "1 key", keys_none: "no keys", key_only: "key only", you: " (you)",
    add_title: "Add a member of staff", password: "Password", add: "Add",
    password_rule: "Passwords are 10 to 72 characters. Names have no spaces; they sign in with them.",
    added: "Added {role} {name}.",
    key_title: "New API key", key_for: "For", key_note: "Copy this key now: it is shown only once. Send it as Authorization: Bearer KEY.",
    copy: "Copy", copied: "Copied.", copy_failed: "Could not copy; select the key and copy it.", done: "Done",
    reset_title: "New password for", reset_note: "Their sessions are signed out; their API keys keep working.", save: "Save", cancel: "Cancel",
    password_set: "New password set for {name}.",
    key_created: "created {t}", key_revoked: "revoked {t}", revoke: "Revoke", no_keys: "No API keys.",
    audit_title: "Audit log", when: "When", who: "Who", action: "Action", account: "Target", details: "Details",
    no_audit: "Nothing of this kind recorded yet.", older: "Older",
    k_user: "Staff accounts", k_team: "Teams", k_policy: "Hand-off policies", k_integration: "Integrations", k_article: "Articles",
    k_handoff: "Desk actions", k_conversation: "Conversations: export, erasure", k_customer: "Customers: export, erasure", k_all: "Everything",
    a_add: "added", a_update: "changed", a_passwd: "password reset", a_key: "key created", a_revoke: "key revoked",
    d_role: "role {v}", d_password: "with a password", d_no_password: "key only", d_key: "key {v}", d_signed_out: "sessions signed out",
    d_change: "{f}: {a} → {b}", f_role: "role", f_disabled: "status", sep: ", "
  };
  // The policy, integrations and teams sections translate their own (policy.js, integrations.js, teams.js).
  document.querySelectorAll("[data-i18n]").forEach(function (e) { if (!e.closest("#policy-section, #integrations-section, #teams-section")) e.textContent = T[e.dataset.i18n]; });
  if (zh) document.documentElement.lang = "zh-CN";

  var $ = Baton.$, el = Baton.el, fmt = Baton.fmt, api = Baton.api, fail = Baton.fail;
  var me = $("me").dataset.id;
  var roles = ["agent", "editor", "admin"];
  var users = {}; // id -> the account as last listed
  var openKeys = {}; // ids whose key list is open

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso || "";
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  function roleName(r) { return T["role_" + r] || r; }
  function clear(node) { node.textContent = ""; return node; }
  function button(cls, text, onclick) {
    var b = el("button", cls, text);
    b.type = "button";
    b.onclick = onclick;
    return b;
  }
  function path(id) { return "/api/v1/admin/users/" + encodeURIComponent(id); }

  // ---- Staff table ----

  function loadStaff() {
    return api("GET", "/api/v1/admin/users").then(function (r) {
      users = {};
      var tb = clear($("staff").tBodies[0]);
      r.users.forEach(function (u) {
        users[u.id] = u;
        tb.appendChild(row(u));
        if (openKeys[u.id]) tb.appendChild(keysRow(u));
      });
      $("no-staff").hidden = r.users.length > 0;
      r.users.forEach(function (u) { if (openKeys[u.id]) loadKeys(u); });
    }).catch(fail);
  }

  function row(u) {
    var tr = el("tr", "user" + (u.disabled ? " disabled" : ""));
    tr.dataset.id = u.id;
    tr.dataset.name = u.name;
    var name = el("td", "name", u.name);
    if (u.id === me) name.appendChild(el("span", "meta", T.you));
    if (!u.password) name.appendChild(el("span", "badge", T.key_only));
    tr.appendChild(name);

    var sel = el("select", "role");
    sel.setAttribute("aria-label", T.role + " " + u.name);
    roles.forEach(function (r) {
      var o = el("option", "", roleName(r));
      o.value = r;
      o.selected = r === u.role;
      sel.appendChild(o);
    });
    sel.onchange = function () {
      update(u, { role: sel.value }).catch(function () { sel.value = u.role; });
    };
    tr.appendChild(el("td", "")).appendChild(sel);

    var st = el("td", "status");
    st.appendChild(el("span", "state " + (u.disabled ? "disabled" : "enabled"), u.disabled ? T.disabled : T.enabled));
    tr.appendChild(st);

    var keys = u.keys === 0 ? T.keys_none : (u.keys === 1 && T.keys_1 ? T.keys_1 : fmt(T.keys_n, { n: u.keys }));
    var kb = button("keys link", keys, function () { toggleKeys(u); });
    kb.setAttribute("aria-expanded", openKeys[u.id] ? "true" : "false");
    tr.appendChild(el("td", "")).appendChild(kb);
    tr.appendChild(el("td", "created", when(u.created_at)));

    var acts = el("td", "actions");
    acts.appendChild(button("toggle" + (u.disabled ? "" : " danger"), u.disabled ? T.enable : T.disable, function () {
      update(u, { disabled: !u.disabled }).catch(function () {});
    }));
    acts.appendChild(button("reset", T.reset, function () { askPassword(u); }));
    acts.appendChild(button("new-key", T.new_key, function () { newKey(u); }));
    tr.appendChild(acts);
    return tr;
  }

  // update PATCHes an account; a refusal (the last admin, say) is shown
  // and the table redrawn as the server has it.
  function update(u, change) {
    return api("PATCH", path(u.id), change).then(function () {
      return Promise.all([loadStaff(), loadAudit()]);
    }).catch(function (e) {
      fail(e);
      loadStaff();
      throw e;
    });
  }

  // ---- API keys ----

  function keysRow(u) {
    var tr = el("tr", "keys-row");
    tr.dataset.user = u.id;
    var td = el("td", "");
    td.colSpan = 6;
    td.appendChild(el("ul", "key-list"));
    tr.appendChild(td);
    return tr;
  }

  function toggleKeys(u) {
    if (openKeys[u.id]) delete openKeys[u.id]; else openKeys[u.id] = true;
    loadStaff();
  }

  function loadKeys(u) {
    return api("GET", path(u.id) + "/keys").then(function (r) {
      var tr = document.querySelector('#staff tr.keys-row[data-user="' + u.id + '"]');
      if (!tr) return;
      var ul = clear(tr.querySelector("ul.key-list"));
      if (r.keys.length === 0) ul.appendChild(el("li", "meta", T.no_keys));
      r.keys.forEach(function (k) {
        var li = el("li", "key " + (k.revoked_at ? "revoked" : "live"));
        li.dataset.id = k.id;
        li.appendChild(el("code", "", k.id));
        li.appendChild(el("span", "meta", fmt(T.key_created, { t: when(k.created_at) })));
        if (k.revoked_at) {
          li.appendChild(el("span", "meta", fmt(T.key_revoked, { t: when(k.revoked_at) })));
        } else {
          li.appendChild(button("revoke danger", T.revoke, function () {
            api("DELETE", path(u.id) + "/keys/" + encodeURIComponent(k.id)).then(function () {
              return Promise.all([loadStaff(), loadAudit()]);
            }).catch(fail);
          }));
        }
        ul.appendChild(li);
      });
    }).catch(fail);
  }

  // newKey creates a key and shows it once, in a dialog; closing the
  // dialog forgets it.
  function newKey(u) {
    api("POST", path(u.id) + "/keys").then(function (r) {
      $("key-user").textContent = u.name;
      $("key-value").textContent = r.key;
      $("key-copied").textContent = "";
      $("key-dialog").showModal();
      loadStaff();
      loadAudit();
    }).catch(fail);
  }
  $("key-copy").onclick = function () {
    var key = $("key-value").textContent;
    var done = function () { $("key-copied").textContent = T.copied; };
    var failed = function () {
      $("key-copied").textContent = T.copy_failed;
      var range = document.createRange();
      range.selectNodeContents($("key-value"));
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(key).then(done, failed);
    else failed();
  };
  // The key leaves the page with the dialog: at once on Done, and on the
  // close event (which comes a moment later) when Escape closes it.
  function forgetKey() { $("key-value").textContent = ""; }
  $("key-close").onclick = function () { forgetKey(); $("key-dialog").close(); };
  $("key-dialog").addEventListener("close", forgetKey);

  // ---- Password reset ----

  var resetting = null;
  function askPassword(u) {
    resetting = u;
    $("password-user").textContent = u.name;
    $("password-new").value = "";
    $("password-dialog").showModal();
    $("password-new").focus();
  }
  $("password-cancel").onclick = function () { resetting = null; $("password-dialog").close(); };
  $("password-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var u = resetting;
    if (!u) return;
    api("POST", path(u.id) + "/password", { password: $("password-new").value }).then(function () {
      $("password-new").value = "";
      $("password-dialog").close();
      resetting = null;
      $("add-status").textContent = fmt(T.password_set, { name: u.name });
      loadAudit();
    }).catch(fail);
  });
  $("password-dialog").addEventListener("close", function () { $("password-new").value = ""; });

  // ---- Add ----

  $("add-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var req = { name: $("add-name").value.trim(), role: $("add-role").value, password: $("add-password").value };
    $("add-submit").disabled = true;
    api("POST", "/api/v1/admin/users", req).then(function (r) {
      $("add-name").value = "";
      $("add-password").value = "";
      $("add-status").textContent = fmt(T.added, { role: roleName(r.user.role), name: r.user.name });
      return Promise.all([loadStaff(), loadAudit()]);
    }).catch(fail).then(function () { $("add-submit").disabled = false; });
  });

  // ---- Audit log, of one kind of change (#audit-kind) or all ----

  var oldest = 0; // the seq of the oldest entry shown, for "Older"
  function describe(e) {
    var d;
    try { d = JSON.parse(e.detail); } catch (_) { return e.detail || ""; }
    if (!d || typeof d !== "object") return e.detail || "";
    if (e.action.indexOf("user.") !== 0) return describeOther(d);
    var show = function (f, v) {
      if (f === "disabled") return v ? T.disabled : T.enabled;
      return roleName(v);
    };
    if (d.before && d.after) {
      return ["role", "disabled"].filter(function (f) { return d.before[f] !== d.after[f]; }).map(function (f) {
        return fmt(T.d_change, { f: T["f_" + f], a: show(f, d.before[f]), b: show(f, d.after[f]) });
      }).join(T.sep);
    }
    var out = [];
    if (d.role) out.push(fmt(T.d_role, { v: roleName(d.role) }));
    if (d.password === true) out.push(T.d_password);
    if (d.password === false) out.push(T.d_no_password);
    if (d.key_id) out.push(fmt(T.d_key, { v: d.key_id }));
    if (d.sessions) out.push(T.d_signed_out);
    return out.join(T.sep);
  }
  // describeOther shows what another kind of entry records: the fields a
  // change moved from before to after, or the detail's own fields, each
  // value cut short.
  function describeOther(d) {
    var short = function (v) {
      var s = typeof v === "string" ? v : JSON.stringify(v);
      return s.length > 60 ? s.slice(0, 59) + "…" : s;
    };
    if (d.before && d.after && typeof d.before === "object" && typeof d.after === "object") {
      return Object.keys(Object.assign({}, d.before, d.after)).filter(function (f) {
        return JSON.stringify(d.before[f]) !== JSON.stringify(d.after[f]);
      }).map(function (f) { return fmt(T.d_change, { f: f, a: short(d.before[f]), b: short(d.after[f]) }); }).join(T.sep);
    }
    return Object.keys(d).map(function (f) { return f + " " + short(d[f]); }).join(T.sep);
  }
  function auditRow(e) {
    var tr = el("tr", e.action.replace(/\W+/g, "-"));
    tr.dataset.seq = e.seq;
    tr.appendChild(el("td", "when", when(e.at)));
    tr.appendChild(el("td", "actor", e.actor));
    var a = el("td", "action", T["a_" + e.action.replace(/^user\./, "")] || e.action);
    a.title = e.action;
    tr.appendChild(a);
    tr.appendChild(el("td", "target", e.target));
    tr.appendChild(el("td", "detail", describe(e)));
    return tr;
  }
  var pageSize = 50;
  function loadAudit(more) {
    var q = "/api/v1/audit?action=" + encodeURIComponent($("audit-kind").value) + "&limit=" + pageSize + (more && oldest ? "&before=" + oldest : "");
    return api("GET", q).then(function (r) {
      var tb = $("audit").tBodies[0];
      if (!more) clear(tb);
      r.audit.forEach(function (e) { tb.appendChild(auditRow(e)); oldest = e.seq; });
      $("no-audit").hidden = tb.rows.length > 0;
      $("audit-more").hidden = r.audit.length < pageSize;
    }).catch(fail);
  }

  $("staff-refresh").onclick = function () { loadStaff(); };
  $("audit-refresh").onclick = function () { loadAudit(); };
  $("audit-kind").onchange = function () { loadAudit(); };
  $("audit-more").onclick = function () { loadAudit(true); };
  $("logout").onclick = function () { api("DELETE", "/api/v1/session").then(function () { location.href = "/login?next=/admin"; }).catch(fail); };

  loadStaff();
  loadAudit();
})();
