// Helpers shared by the staff pages (console, editor, insights, admin): DOM
// building, the JSON API with the session's CSRF token, and error display.
// Each page loads this first and takes what it needs from window.Baton.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var errTimer = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  // fmt fills {name} placeholders from vars.
  function fmt(s, vars) { return s.replace(/\{(\w+)\}/g, function (_, k) { return vars[k]; }); }
  // articleHref links to an article's public page; ids hold a slash.
  function articleHref(id) { return "/articles/" + id.split("/").map(encodeURIComponent).join("/"); }
  // api sends a request with the session's CSRF token (JSON, or a
  // FormData as is); an error carries the server's message and the HTTP
  // status, and a lost session goes back to the login page.
  function api(method, path, body) {
    var h = { "X-CSRF-Token": csrf };
    var payload;
    if (typeof FormData !== "undefined" && body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      h["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(path, { method: method, headers: h, credentials: "same-origin", body: payload })
      .then(function (r) {
        if (r.status === 401) {
          location.href = "/login?next=" + encodeURIComponent(location.pathname);
          throw new Error("signed out");
        }
        if (r.status === 204) return {};
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) {
            var e = new Error((j.error && j.error.message) || r.status + " " + r.statusText);
            e.status = r.status;
            throw e;
          }
          return j;
        });
      });
  }
  // fail shows an error in the page's #error box for a few seconds.
  function fail(e) {
    var box = $("error");
    if (!box) return;
    box.textContent = e.message;
    box.hidden = false;
    clearTimeout(errTimer);
    errTimer = setTimeout(function () { box.hidden = true; }, 8000);
  }
  window.Baton = { $: $, el: el, fmt: fmt, articleHref: articleHref, api: api, fail: fail };
})();
