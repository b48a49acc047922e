// Baton admin console: teams. An admin creates teams, renames and deletes
// them, and chooses each team's members (agents and admins) and the
// collections it serves, through /api/v1/admin/teams. While no team
// exists every agent sees every collection.
//
// Element ids tests and people rely on:
//   list    #teams tbody tr.team[data-id][data-name] (input.team-name,
//           .members input[type=checkbox][value=USER_ID],
//           .collections input[type=checkbox][value=COLLECTION], input.more,
//           button.save, button.delete), #no-teams, #teams-status
//   create  #team-form, #team-new-name, #team-create
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    teams_title: "团队",
    teams_hint: "客服属于团队，团队负责若干知识库。加入团队的客服只能看到并处理其团队负责的知识库中的转人工；还没有任何团队时，所有客服都能看到全部。管理员始终能看到全部。",
    team: "团队", members: "成员", collections: "负责的知识库", actions: "操作", no_teams: "还没有团队：所有客服都能看到全部知识库。",
    new_team: "新建团队", create: "创建", save: "保存", delete_: "删除", more: "其他知识库（逗号分隔）",
    created: "已创建团队“{name}”。", saved: "已保存团队“{name}”。", deleted: "已删除团队“{name}”。",
    confirm_delete: "删除团队“{name}”？转给该团队的转人工会回到其知识库的队列。", no_members: "（还没有客服账号）"
  } : {
    teams_title: "Teams",
    teams_hint: "Agents belong to teams, and teams serve collections. An agent in a team sees and takes only the hand-offs of the collections their teams serve; while no team exists every agent sees everything. Admins always see everything.",
    team: "Team", members: "Members", collections: "Collections served", actions: "Actions", no_teams: "No teams yet: every agent sees every collection.",
    new_team: "New team", create: "Create", save: "Save", delete_: "Delete", more: "Other collections (comma-separated)",
    created: "Created team {name}.", saved: "Saved team {name}.", deleted: "Deleted team {name}.",
    confirm_delete: "Delete team {name}? Hand-offs transferred to it go back to their collection's queue.", no_members: "(no agent accounts yet)"
  };
  document.querySelectorAll("#teams-section [data-i18n]").forEach(function (e) { if (T[e.dataset.i18n]) e.textContent = T[e.dataset.i18n]; });

  var $ = Baton.$, el = Baton.el, fmt = Baton.fmt, api = Baton.api, fail = Baton.fail;
  var staff = []; // agents and admins, by name

  function path(id) { return "/api/v1/admin/teams/" + encodeURIComponent(id); }
  function status(text) { $("teams-status").textContent = text; }
  function sorted(a) { return a.slice().sort(); }
  function same(a, b) { return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b)); }
  // known is every collection the policy form lists, and any a team serves.
  function known(teams) {
    var seen = {};
    document.querySelectorAll("#policy-collection option").forEach(function (o) { seen[o.value] = true; });
    teams.forEach(function (t) { t.collections.forEach(function (c) { seen[c] = true; }); });
    return Object.keys(seen).sort();
  }
  function box(value, label, checked) {
    var l = el("label", "pick");
    var c = el("input");
    c.type = "checkbox";
    c.value = value;
    c.checked = checked;
    l.appendChild(c);
    l.appendChild(document.createTextNode(" " + label));
    return l;
  }
  function checked(td) {
    return Array.prototype.filter.call(td.querySelectorAll("input[type=checkbox]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
  }

  function load() {
    return Promise.all([api("GET", "/api/v1/admin/users"), api("GET", "/api/v1/admin/teams")]).then(function (rs) {
      staff = rs[0].users.filter(function (u) { return u.role === "agent" || u.role === "admin"; });
      var teams = rs[1].teams, colls = known(teams);
      var tb = $("teams").tBodies[0];
      tb.textContent = "";
      teams.forEach(function (t) { tb.appendChild(row(t, colls)); });
      $("no-teams").hidden = teams.length > 0;
    }).catch(fail);
  }

  function row(t, colls) {
    var tr = el("tr", "team");
    tr.dataset.id = t.id;
    tr.dataset.name = t.name;
    var name = el("input", "team-name");
    name.value = t.name;
    name.maxLength = 64;
    name.setAttribute("aria-label", T.team);
    tr.appendChild(el("td", "")).appendChild(name);

    var members = el("td", "members");
    staff.forEach(function (u) { members.appendChild(box(u.id, u.name, t.members.indexOf(u.id) >= 0)); });
    if (!staff.length) members.appendChild(el("span", "meta", T.no_members));
    tr.appendChild(members);

    var cs = el("td", "collections");
    colls.forEach(function (c) { cs.appendChild(box(c, c, t.collections.indexOf(c) >= 0)); });
    var more = el("input", "more");
    more.placeholder = T.more;
    more.setAttribute("aria-label", T.more);
    cs.appendChild(more);
    tr.appendChild(cs);

    var acts = el("td", "actions");
    var save = el("button", "save primary", T.save);
    save.type = "button";
    save.onclick = function () {
      var wantColls = checked(cs);
      more.value.split(/[,，]/).forEach(function (c) { c = c.trim(); if (c && wantColls.indexOf(c) < 0) wantColls.push(c); });
      var wantMembers = checked(members), wantName = name.value.trim();
      var steps = [];
      if (wantName !== t.name) steps.push(function () { return api("PATCH", path(t.id), { name: wantName }); });
      if (!same(wantMembers, t.members)) steps.push(function () { return api("PUT", path(t.id) + "/members", { members: wantMembers }); });
      if (!same(wantColls, t.collections)) steps.push(function () { return api("PUT", path(t.id) + "/collections", { collections: wantColls }); });
      save.disabled = true;
      steps.reduce(function (p, step) { return p.then(step); }, Promise.resolve()).then(function () {
        status(fmt(T.saved, { name: wantName }));
      }).catch(fail).then(load);
    };
    var del = el("button", "delete danger", T.delete_);
    del.type = "button";
    del.onclick = function () {
      if (!confirm(fmt(T.confirm_delete, { name: t.name }))) return;
      api("DELETE", path(t.id)).then(function () { status(fmt(T.deleted, { name: t.name })); }).catch(fail).then(load);
    };
    acts.appendChild(save);
    acts.appendChild(del);
    tr.appendChild(acts);
    return tr;
  }

  $("team-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = $("team-new-name").value.trim();
    if (!name) return;
    $("team-create").disabled = true;
    api("POST", "/api/v1/admin/teams", { name: name }).then(function () {
      $("team-new-name").value = "";
      status(fmt(T.created, { name: name }));
    }).catch(fail).then(function () {
      $("team-create").disabled = false;
      return load();
    });
  });

  load();
})();
