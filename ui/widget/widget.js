/* Spine clinic FAQ chat widget: one tag on any page adds it.
 *   <script src="https://HOST/widget.js" data-api="https://HOST" data-title="Ask our team" defer></script>
 * Vanilla JS, no external resources; styles isolated in a shadow root. Talks to /v1/chat/stream.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__spineFaqWidget) return;
  window.__spineFaqWidget = true;
  var api = (script.getAttribute("data-api") || new URL(script.src).origin).replace(/\/$/, "");
  var title = script.getAttribute("data-title") || "Ask our spine team";
  var store = window.sessionStorage;
  var KEY = "spine-faq:" + api;

  var host = document.createElement("div");
  host.setAttribute("data-spine-faq", "");
  document.body.appendChild(host);
  var shadow = host.attachShadow({ mode: "open" });
  shadow.innerHTML =
    '<link rel="stylesheet" href="' + api + '/widget.css">' +
    '<div class="root">' +
    '<button class="launcher" type="button" aria-haspopup="dialog" aria-expanded="false"></button>' +
    '<section class="panel" role="dialog" aria-modal="false" hidden>' +
    '<div class="header"><h2></h2><button class="close" type="button" aria-label="Close chat">&times;</button></div>' +
    '<div class="log" role="log" aria-live="polite" aria-relevant="additions"></div>' +
    '<div class="actions" hidden><a class="book" target="_blank" rel="noopener">Book a consultation</a></div>' +
    '<form><label class="sr-only" for="faq-input">Your question</label>' +
    '<textarea id="faq-input" rows="1" maxlength="2000" placeholder="Type your question..."></textarea>' +
    '<button class="send" type="submit">Send</button></form>' +
    "</section></div>";

  var $ = function (sel) { return shadow.querySelector(sel); };
  var launcher = $(".launcher"), panel = $(".panel"), log = $(".log"), form = $("form");
  var input = $("textarea"), send = $(".send"), actions = $(".actions"), book = $(".book");
  launcher.textContent = title;
  $(".header h2").textContent = title;
  $(".header h2").id = "faq-title";
  panel.setAttribute("aria-labelledby", "faq-title");

  var state = load();
  var words = {};  // the clinic's wording from /v1/greeting: greeting, disclaimer, offline message

  function disclaimerSuffix() { return words.disclaimer ? "\n\n" + words.disclaimer : ""; }

  function load() {
    try { return JSON.parse(store.getItem(KEY)) || { session: null, messages: [] }; }
    catch (e) { return { session: null, messages: [] }; }
  }
  function save() {
    try { store.setItem(KEY, JSON.stringify(state)); } catch (e) { /* storage full or blocked: keep going */ }
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  $(".close").addEventListener("click", close);
  shadow.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) close(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  // Text with phone numbers as tel: links and URLs as links; everything else as text nodes.
  function linkify(parent, text) {
    var pattern = /(https?:\/\/[^\s<>"]+[^\s<>".,)])|((?:call|text|dial)\s+)(\+?\d[\d\s().-]{1,16}\d|\d{3})/gi;
    var last = 0, m;
    while ((m = pattern.exec(text))) {
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      if (m[1]) { a.href = m[1]; a.textContent = m[1]; a.target = "_blank"; a.rel = "noopener"; }
      else {
        parent.appendChild(document.createTextNode(m[2]));
        a.href = "tel:" + m[3].replace(/[^\d+]/g, ""); a.textContent = m[3];
      }
      parent.appendChild(a);
      last = pattern.lastIndex;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function add(kind, text) {
    var div = document.createElement("div");
    div.className = "msg " + kind;
    if (text) linkify(div, text);
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function notice(text) {
    var div = document.createElement("div");
    div.className = "notice msg";
    div.setAttribute("role", "status");
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  // The final reply: body, consultation, disclaimer (visible), cited sources as links, feedback.
  function render(div, reply) {
    div.textContent = "";
    var emergency = reply.action === "escalate" && reply.category === "emergency";
    if (emergency) { div.classList.add("emergency"); div.setAttribute("role", "alert"); }
    var text = reply.answer;
    if (text.slice(-reply.disclaimer.length) === reply.disclaimer) text = text.slice(0, -reply.disclaimer.length);
    var consult = reply.consultation && reply.consultation.text;
    if (consult && text.indexOf(consult) >= 0) text = text.replace(consult, "");
    linkify(div, text.trim());
    if (consult) {
      var c = document.createElement("span"); c.className = "consult"; linkify(c, consult); div.appendChild(c);
      book.href = reply.consultation.url; actions.hidden = false;
    }
    var d = document.createElement("small"); d.className = "disclaimer"; d.textContent = reply.disclaimer;
    div.appendChild(d);
    if (reply.sources && reply.sources.length) {
      var ol = document.createElement("ol"); ol.className = "sources"; ol.setAttribute("aria-label", "Sources");
      reply.sources.forEach(function (s) {
        var li = document.createElement("li"); li.value = s.n;
        var a = document.createElement("a"); a.href = s.url; a.target = "_blank"; a.rel = "noopener";
        a.textContent = s.title + (s.section ? ": " + s.section : "");
        li.appendChild(a); ol.appendChild(li);
      });
      div.appendChild(ol);
    }
    if (reply.suggestions && reply.suggestions.length) {
      // "Did you mean...?": each chip is a button, so it is reached by Tab and read as a button;
      // choosing one asks that question.
      var group = document.createElement("div"); group.className = "suggestions";
      group.setAttribute("role", "group"); group.setAttribute("aria-label", "Suggested questions");
      reply.suggestions.forEach(function (s) {
        var chip = document.createElement("button"); chip.type = "button"; chip.className = "chip";
        chip.textContent = s.text;
        chip.addEventListener("click", function () { if (!send.disabled) ask(s.text); });
        group.appendChild(chip);
      });
      div.appendChild(group);
    }
    if (!emergency) div.appendChild(feedback(reply.turn_id));
  }

  function feedback(turnId) {
    var wrap = document.createElement("div"); wrap.className = "feedback";
    [["up", "Helpful"], ["down", "Not helpful"]].forEach(function (f) {
      var b = document.createElement("button"); b.type = "button"; b.textContent = f[1];
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        wrap.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", "true");
        fetch(api + "/v1/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ turn_id: turnId, rating: f[0] }) }).catch(function () {});
      });
      wrap.appendChild(b);
    });
    return wrap;
  }

  async function ask(message) {
    add("user", message);
    state.messages.push({ kind: "user", text: message }); save();
    var bubble = add("bot", "");
    bubble.setAttribute("aria-busy", "true");
    send.disabled = true;
    try {
      var res = await fetch(api + "/v1/chat/stream", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: message, session_id: state.session }),
      });
      if (!res.ok) {
        var body = {}; try { body = await res.json(); } catch (e) { /* not JSON */ }
        bubble.remove();
        // The server's own wording (policy text, ending with the disclaimer); a bare fallback otherwise.
        notice(body.error && body.error.message ? body.error.message
          : "Sorry, something went wrong. Please try again in a moment." + disclaimerSuffix());
        return;
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "", streamed = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split("\n\n"); buffer = parts.pop();
        parts.forEach(function (block) {
          var event = "", data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) event = line.slice(7);
            else if (line.indexOf("data: ") === 0) data += line.slice(6);
          });
          if (!data) return;
          var payload = JSON.parse(data);
          if (event === "meta") { state.session = payload.session_id; save(); }
          else if (event === "token") { streamed += payload.text; bubble.textContent = streamed; }
          else if (event === "done") {
            render(bubble, payload);
            state.messages.push({ kind: "bot", reply: payload }); save();
          }
        });
      }
    } catch (e) {
      bubble.remove();
      notice(navigator.onLine === false && words.offline ? words.offline
        : "We couldn't reach the clinic's assistant. Please check your connection and try again." + disclaimerSuffix());
    } finally {
      bubble.removeAttribute("aria-busy");
      send.disabled = false;
      log.scrollTop = log.scrollHeight;
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || send.disabled) return;
    input.value = "";
    ask(text);
  });

  // The clinic's greeting (policy wording, from the API), then whatever this tab already said.
  var greeting = add("bot", "");
  fetch(api + "/v1/greeting").then(function (r) { return r.json(); }).then(function (g) {
    words = g;
    linkify(greeting, g.greeting);
  }).catch(function () { greeting.textContent = "Hello! Ask a question about our treatments."; });
  state.messages.forEach(function (m) {
    if (m.kind === "user") add("user", m.text); else render(add("bot", ""), m.reply);
  });
})();
