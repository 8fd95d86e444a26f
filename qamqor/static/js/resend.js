/* A form that survives a dropped connection: the public report form and the child's
   questionnaire (form[data-resend]). The form is sent in the background; when the
   connection is down, or drops on the way, the page stays as it is with every answer in
   it, says so, and sends again when the connection is back (the "online" event, and
   every few seconds). A second sending cannot make a second report or a second set of
   answers: the report form carries its one-time token, the questionnaire its one-time
   code. Without JavaScript the form is sent as a plain form. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-resend]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var note = form.querySelector("[data-resend-note]");
  var sending = false;
  var waiting = false;
  var delay = 2000;
  var timer = null;

  function say(name) {
    if (note) {
      note.textContent = name ? note.getAttribute(name) : "";
    }
  }

  function show(html) {
    // What the server answered (the form with its errors): shown as a plain submission
    // would have shown it.
    document.open();
    document.write(html);
    document.close();
  }

  function send() {
    if (sending) {
      return;
    }
    sending = true;
    window.clearTimeout(timer);
    say(waiting ? "data-sending" : "");
    window
      .fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
        cache: "no-store",
      })
      .then(function (response) {
        waiting = false;
        if (response.type === "opaqueredirect") {
          // sent: on to the page a plain submission leads to
          window.location.assign(form.getAttribute("data-resend"));
          return null;
        }
        return response.text().then(show);
      })
      .catch(function () {
        sending = false;
        waiting = true;
        say("data-offline");
        timer = window.setTimeout(send, delay);
        delay = Math.min(delay * 2, 30000);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    delay = 2000;
    send();
  });
  window.addEventListener("online", function () {
    if (waiting) {
      delay = 2000;
      send();
    }
  });
})();
