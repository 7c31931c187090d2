// Front desk: per-channel fields, live classification preview (debounced), read-back, acknowledgement.
(function () {
  "use strict";
  const form = document.getElementById("desk-form");
  if (!form) return;
  const spec = JSON.parse(form.dataset.channels);
  const csrf = form.dataset.csrf;
  const en = form.dataset.lang === "en";
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  let idempotencyKey = newKey();

  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }

  function post(url, body, extraHeaders) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({"Content-Type": "application/json", "X-CSRF-Token": csrf}, extraHeaders || {}),
      body: JSON.stringify(body),
    }).then(async (r) => ({status: r.status, body: await r.json().catch(() => ({}))}));
  }

  // ---- channel-specific fields
  function applyChannel() {
    const c = spec[form.channel.value];
    const required = new Set();
    c.required.forEach((r) => r.split("|").forEach((f) => required.add(f)));
    $("[data-identity]").hidden = !c.identity;
    $$("[data-details] [data-field]").forEach((el) => { el.hidden = !c.extra.includes(el.dataset.field); });
    $("[data-details]").hidden = c.extra.length === 0;
    $$("[data-field]").forEach((el) => {
      const mark = $(".req", el);
      if (mark && el.dataset.field !== "content") mark.hidden = !required.has(el.dataset.field);
    });
  }
  form.channel.addEventListener("change", applyChannel);
  applyChannel();

  // ---- live classification preview
  let timer = null;
  let seq = 0;
  function label(table, key) {
    const pair = labels[table] && labels[table][key];
    return pair ? pair[en ? 1 : 0] : (key || "–");
  }
  function preview() {
    const text = form.content.value.trim();
    if (text.length < 2) return;
    const mine = ++seq;
    post("/api/classify", {text: text, estate_id: form.estate_id.value}).then((res) => {
      if (mine !== seq || res.status !== 200) return;
      const r = res.body;
      $('[data-preview="category"]').textContent = label("category", r.category);
      $('[data-preview="urgency"]').textContent = label("urgency", r.urgency);
      $('[data-preview="grade"]').textContent = label("grade", r.grade);
      $('[data-preview="confidence"]').textContent = Math.round((r.confidence || 0) * 100) + "%";
      $("#preview").dataset.category = r.category;
      $("#preview").dataset.urgency = r.urgency;
    }).catch(() => {});
  }
  form.content.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(preview, 400); });

  // ---- the registration
  function collect() {
    const body = {};
    $$("input, select, textarea", form).forEach((el) => {
      if (!el.name || el.closest("[hidden]")) return;
      let value = el.type === "checkbox" ? (el.checked ? true : null) : el.value.trim();
      if (value === "" || value === null) return;
      if (el.type === "datetime-local") value = new Date(value).toISOString();
      const path = el.name.split(".");
      let node = body;
      path.slice(0, -1).forEach((p) => { node = node[p] = node[p] || {}; });
      node[path[path.length - 1]] = value;
    });
    return body;
  }
  function clearErrors() {
    $$("[data-error-for]").forEach((el) => { el.textContent = ""; });
    $("#form-error").hidden = true;
  }
  function showError(res) {
    const err = (res.body && res.body.error) || {};
    (err.fields || []).forEach((f) => {
      const slot = $('[data-error-for="' + f.field + '"]');
      if (slot) slot.textContent = en ? f.reason_en : f.reason;
    });
    const box = $("#form-error");
    box.textContent = (en ? err.message_en : err.message) || ("HTTP " + res.status);
    box.hidden = false;
  }
  function register(extra) {
    clearErrors();
    const body = Object.assign(collect(), extra || {});
    return post("/api/complaints", body, {"Idempotency-Key": idempotencyKey}).then((res) => {
      if (res.status !== 201) { $("#readback").hidden = true; showError(res); return; }
      const ack = res.body;
      $('[data-ack="reference_no"]').textContent = ack.reference_no || "";
      $('[data-ack="message"]').textContent = en ? ack.message_en : ack.message;
      $('[data-ack="tracking_token"]').textContent = ack.tracking_token || "";
      $("[data-ack-token]").hidden = !ack.tracking_token;
      $("#readback").hidden = true;
      $("#ack").hidden = false;
      form.querySelector('[type="submit"]').disabled = true;
    });
  }
  function value(body, path) {
    return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), body);
  }
  function missing(c, body) {
    // the channel's required fields (intake checks them again and names any problem it finds)
    const gaps = [];
    if (!body.content || body.content.length < 2) gaps.push("content");
    c.required.forEach((rule) => {
      const options = rule.split("|");
      if (!options.some((f) => value(body, f) !== undefined)) gaps.push(options[0]);
    });
    gaps.forEach((f) => {
      const slot = $('[data-error-for="' + f + '"]');
      if (slot) slot.textContent = en ? "required" : "请填写此项";
    });
    if (gaps.length) {
      const box = $("#form-error");
      box.textContent = en ? "Please fill in the marked fields" : "请填写标注的必填项";
      box.hidden = false;
    }
    return gaps.length > 0;
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearErrors();
    const c = spec[form.channel.value];
    const b = collect();
    if (missing(c, b)) return;
    if (!c.oral) { register(); return; }
    post("/api/readback", {channel: form.channel.value, content: b.content || "", matter: b.matter,
      location: b.location || {}}).then((res) => {
      if (res.status !== 200) { showError(res); return; }
      $("#readback blockquote").textContent = res.body.text;
      $("#readback").hidden = false;
    });
  });
  $('[data-action="confirm"]').addEventListener("click", () => register({readback_confirmed: true}));
  $('[data-action="edit"]').addEventListener("click", () => { $("#readback").hidden = true; });
  $('[data-action="next"]').addEventListener("click", () => {
    form.reset();
    applyChannel();
    idempotencyKey = newKey();
    $("#ack").hidden = true;
    form.querySelector('[type="submit"]').disabled = false;
    $$("[data-preview]").forEach((el) => { el.textContent = "–"; });
  });
})();
