// agritrace farmer pages: keep diary entries on the phone while there is no network, send
// them when it returns. Same origin only; the pages work without this script.
//
// Each entry carries an idempotency key: the form's own (made by the server) the first time,
// a new one from this phone when the same cached form is used again. An entry whose answer
// was lost is sent again with its key, and the server stores it once.
(function () {
  "use strict";
  var QUEUE = "agt-farm-queue";
  var USED = "agt-farm-used-keys";
  var CACHE = "agt-farm";
  var sending = false;
  var sent = 0;

  function load(name) {
    try {
      return JSON.parse(localStorage.getItem(name) || "[]");
    } catch (e) {
      return [];
    }
  }

  function store(name, value) {
    localStorage.setItem(name, JSON.stringify(value));
  }

  function member() {
    return document.body.dataset.member || "";
  }

  function says(name, n) {
    return (document.body.dataset[name] || "").replace("{n}", n).replace("{detail}", n);
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "phone-" + Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function mine() {
    return load(QUEUE).filter(function (item) { return item.member === member(); });
  }

  function showQueue() {
    var box = document.getElementById("farm-queue");
    if (!box) return;
    var waiting = mine().length;
    box.hidden = waiting === 0;
    box.textContent = says("waiting", waiting);
  }

  function note(message, tone) {
    var list = document.getElementById("farm-notes");
    if (!list) return;
    var item = document.createElement("li");
    item.className = tone || "";
    item.textContent = message;
    list.appendChild(item);
    list.hidden = false;
  }

  function keyFor(form) {
    var input = form.querySelector("input[name=idempotency_key]");
    var used = load(USED);
    if (used.indexOf(input.value) !== -1) input.value = newKey();
    used.push(input.value);
    store(USED, used.slice(-500));
    return input.value;
  }

  function fieldsOf(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") fields[name] = value;
    });
    return fields;
  }

  function keep(form, fields) {
    var queue = load(QUEUE);
    queue.push({ action: form.action, fields: fields, member: member(), made: Date.now() });
    store(QUEUE, queue);
    form.reset();
    note(says("kept"), "kept");
    showQueue();
    window.scrollTo(0, 0);
  }

  function show(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    window.scrollTo(0, 0);
    start();
  }

  function submit(event) {
    var form = event.target;
    if (!form.matches) return;
    if (form.matches("form[data-logout]") && window.caches) {
      caches.delete(CACHE);  // the next person on this phone must not see these pages
      return;
    }
    if (!form.matches("form[data-offline]")) return;
    event.preventDefault();
    keyFor(form);
    var fields = fieldsOf(form);
    if (!navigator.onLine) {
      keep(form, fields);
      return;
    }
    fetch(form.action, {
      method: "POST", body: new URLSearchParams(fields), credentials: "same-origin",
      headers: { Accept: "text/html" },
    }).then(function (response) {
      return response.text().then(show);
    }).catch(function () {
      keep(form, fields);  // the network failed although the phone believed it was online
    });
  }

  function drop(item) {
    store(QUEUE, load(QUEUE).filter(function (other) {
      return other.fields.idempotency_key !== item.fields.idempotency_key;
    }));
  }

  function answered(item, response, body) {
    if (response.status === 401 || response.status >= 500) throw new Error("try later");
    drop(item);
    var lang = document.documentElement.lang;
    if (response.ok) {
      sent += 1;
      (body.warnings || []).forEach(function (w) { note(w[lang] || w.vi, "warn"); });
    } else {
      var errors = (body.errors || []).map(function (e) { return e.message; }).join("; ");
      note(says("refused", (body.detail || "") + (errors ? " (" + errors + ")" : "")), "bad");
    }
  }

  function sync() {
    var waiting = mine();
    if (sending || !navigator.onLine || waiting.length === 0) {
      if (!sending && waiting.length === 0 && sent > 0) {
        note(says("sent", sent), "ok");
        sent = 0;
      }
      return;
    }
    sending = true;
    var item = waiting[0];
    fetch(item.action, {
      method: "POST", body: new URLSearchParams(item.fields), credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        answered(item, response, body);
      });
    }).then(function () {
      sending = false;
      showQueue();
      sync();
    }).catch(function () {
      sending = false;
      showQueue();
    });
  }

  function precache() {
    var urls = JSON.parse(document.body.dataset.precache || "[]");
    if (!urls.length || !navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (registration) {
      registration.active.postMessage({ precache: urls });
    });
  }

  function forgetOtherMember() {
    // Someone else signed in on this phone: the pages kept for the last one must go. Their
    // waiting entries stay, tagged with their owner, and are sent when that person is back.
    var last = localStorage.getItem("agt-farm-member");
    if (last !== null && last !== member() && window.caches) caches.delete(CACHE);
    localStorage.setItem("agt-farm-member", member());
  }

  function start() {
    forgetOtherMember();
    document.body.dataset.script = "ready";
    showQueue();
    precache();
    sync();
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/my/sw.js", { scope: "/my" }).catch(function () {});
  }
  document.addEventListener("submit", submit);
  window.addEventListener("online", sync);
  window.addEventListener("offline", showQueue);
  start();
})();
