// Baton admin console: integrations. Shows the webhook's URL (without the
// parts that may carry a token), whether it has a secret (never the
// secret) and what waits in its outbox (GET /api/v1/admin/integrations);
// sets, changes or clears the receiver (PUT
// /api/v1/admin/integrations/webhook; an empty secret keeps the one in
// force); and sends it a signed test event (POST
// /api/v1/admin/integrations/webhook/test), showing the receiver's status
// and the start of its answer, or why it could not be reached.
//
// Element ids tests and people rely on:
//   webhook  #webhook-url, #webhook-none, #webhook-secret-set, #webhook-outbox, #webhook-test, #webhook-testing
//   form     #webhook-form, #webhook-new-url, #webhook-new-secret, #webhook-save, #webhook-clear, #webhook-save-status
//   result   #webhook-result, #webhook-status.<ok|bad>, #webhook-body
(function () {
  "use strict";
  var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0;
  var T = zh ? {
    integrations_title: "集成",
    integrations_hint: "Baton 把转人工事件发送到这里。测试事件与正式投递一样签名，立即发送一次，不重试。",
    webhook: "Webhook", webhook_none: "未配置", secret_set: "已设置签名密钥",
    webhook_new_url: "接收地址", webhook_new_secret: "签名密钥",
    webhook_form_hint: "密钥留空则沿用当前密钥。接收方用它校验 X-Baton-Signature 请求头。清除后 Webhook 关闭；已在等待的投递会发给下一个接收地址。",
    save: "保存", webhook_clear: "清除", saved: "已保存：事件发送到 {url}。", cleared: "已清除：Webhook 已关闭。",
    confirm_clear: "清除 Webhook？之后不再发送转人工事件。",
    outbox: "待投递 {pending} 条，其中 {failed} 条上次投递失败、等待重试。", outbox_empty: "没有待投递的事件。",
    webhook_test: "发送测试事件", testing: "正在发送…",
    answered: "接收方返回 {status}，用时 {ms} 毫秒。", unreachable: "无法连接接收方：{error}", empty_body: "（响应为空）"
  } : {
    integrations_title: "Integrations",
    integrations_hint: "Where Baton sends hand-off events. A test event is signed like every delivery and sent once, now, without retries.",
    webhook: "Webhook", webhook_none: "not configured", secret_set: "signed with a secret",
    webhook_new_url: "Receiver URL", webhook_new_secret: "Signing secret",
    webhook_form_hint: "Leave the secret empty to keep the one in force. Receivers check the X-Baton-Signature header with it. Clearing turns the webhook off; deliveries already waiting are sent to the next receiver.",
    save: "Save", webhook_clear: "Clear", saved: "Saved: events go to {url}.", cleared: "Cleared: the webhook is off.",
    confirm_clear: "Clear the webhook? Hand-off events are no longer sent.",
    outbox: "{pending} waiting to be sent, {failed} of them after a failed attempt.", outbox_empty: "Nothing waits to be sent.",
    webhook_test: "Send test event", testing: "Sending…",
    answered: "The receiver answered {status} in {ms} ms.", unreachable: "The receiver could not be reached: {error}", empty_body: "(empty response)"
  };
  document.querySelectorAll("#integrations-section [data-i18n]").forEach(function (e) { if (T[e.dataset.i18n]) e.textContent = T[e.dataset.i18n]; });

  var $ = Baton.$, fmt = Baton.fmt, api = Baton.api, fail = Baton.fail;

  function render(r) {
    var hook = r.webhook || {}, box = r.outbox || {};
    $("webhook-url").textContent = hook.url || "";
    $("webhook-url").hidden = !hook.configured;
    $("webhook-none").hidden = !!hook.configured;
    $("webhook-secret-set").hidden = !hook.secret_set;
    $("webhook-test").disabled = !hook.configured;
    $("webhook-clear").disabled = !hook.configured;
    $("webhook-form").hidden = !r.editable;
    // The field starts empty, the receiver in force as its placeholder:
    // what is shown lacks the URL's query, and saving it back would drop
    // a token the receiver needs.
    $("webhook-new-url").value = "";
    $("webhook-new-url").placeholder = hook.url || "https://example.com/hooks/baton";
    var out = $("webhook-outbox");
    out.textContent = box.pending ? fmt(T.outbox, { pending: box.pending, failed: box.failed || 0 }) : T.outbox_empty;
    out.className = "meta" + (box.failed ? " bad" : "");
    return hook;
  }

  function load() {
    return api("GET", "/api/v1/admin/integrations").then(render).catch(fail);
  }

  function save(body) {
    var status = $("webhook-save-status");
    $("webhook-save").disabled = true;
    status.textContent = "";
    return api("PUT", "/api/v1/admin/integrations/webhook", body).then(function (r) {
      var hook = render(r);
      $("webhook-new-secret").value = "";
      status.textContent = hook.configured ? fmt(T.saved, { url: hook.url }) : T.cleared;
    }).catch(fail).then(function () { $("webhook-save").disabled = false; });
  }

  $("webhook-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = { url: $("webhook-new-url").value.trim() };
    var secret = $("webhook-new-secret").value;
    if (secret !== "") body.secret = secret;
    save(body);
  });

  $("webhook-clear").addEventListener("click", function () {
    if (window.confirm(T.confirm_clear)) save({ url: "" });
  });

  function show(r) {
    var status = $("webhook-status"), body = $("webhook-body");
    if (r.error) {
      status.className = "bad";
      status.textContent = fmt(T.unreachable, { error: r.error });
      body.hidden = true;
    } else {
      status.className = r.status >= 200 && r.status < 300 ? "ok" : "bad";
      status.textContent = fmt(T.answered, { status: r.status, ms: r.ms });
      body.textContent = r.body || T.empty_body;
      body.hidden = false;
    }
    $("webhook-result").hidden = false;
  }

  $("webhook-test").addEventListener("click", function () {
    var b = $("webhook-test");
    b.disabled = true;
    $("webhook-testing").textContent = T.testing;
    api("POST", "/api/v1/admin/integrations/webhook/test").then(show).catch(fail).then(function () {
      b.disabled = false;
      $("webhook-testing").textContent = "";
    });
  });

  load();
})();
