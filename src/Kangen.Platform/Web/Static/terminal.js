// The assisted terminal's idle countdown (the banner of Pages/Shared/_TerminalBanner.cshtml).
// The server forgets an idle citizen by itself (Web/Terminal/TerminalIdle.cs); this script shows the time left, warns
// shortly before, tells the server when the citizen is busy on the page without loading another one, and posts the
// banner's "finish" form when the time is up, so the screen does not keep showing someone's data until the next click.
(function () {
    "use strict";
    var idle = parseInt(document.documentElement.getAttribute("data-counter-idle") || "0", 10);
    var banner = document.getElementById("terminal-banner");
    if (!idle || !banner || banner.getAttribute("data-citizen") !== "true") {
        return;
    }
    var form = document.getElementById("terminal-forget");
    var left = document.getElementById("terminal-idle-left");
    var warning = document.getElementById("terminal-idle-warning");
    var keep = document.getElementById("terminal-keep");
    var warnBefore = Math.min(30, Math.max(2, Math.floor(idle / 3)));
    // Activity on the page is reported at most this often: often enough that the server's clock never runs out
    // while someone is typing, rarely enough to cost nothing.
    var reportEvery = Math.max(2, Math.floor(idle / 4)) * 1000;
    var shown = parseInt(left && left.getAttribute("data-seconds") || String(idle), 10);
    var deadline = Date.now() + shown * 1000;
    var lastReport = Date.now();
    var finished = false;

    function format(seconds) {
        var m = Math.floor(seconds / 60);
        var s = seconds % 60;
        return m + ":" + (s < 10 ? "0" : "") + s;
    }

    function forget() {
        finished = true;
        var reason = form.querySelector("input[name=reason]");
        if (reason) {
            reason.value = "idle";
        }
        form.submit();
    }

    function tick() {
        if (finished) {
            return;
        }
        var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        if (left) {
            left.textContent = format(seconds);
        }
        if (warning) {
            warning.hidden = seconds > warnBefore;
        }
        if (seconds <= 0) {
            forget();
        }
    }

    function report() {
        if (finished) {
            return;
        }
        lastReport = Date.now();
        fetch("/counter/alive", { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
            .then(function (response) {
                // Too late: the server has forgotten the citizen and sent the request to /counter.
                if (response.redirected || !response.ok) {
                    finished = true;
                    window.location.assign(response.redirected ? response.url : "/counter");
                    return null;
                }
                return response.json();
            })
            .then(function (body) {
                if (!body) {
                    return;
                }
                if (!body.citizen) {
                    finished = true;
                    window.location.assign("/counter?forgotten=idle");
                    return;
                }
                deadline = Date.now() + body.secondsLeft * 1000;
                tick();
            })
            .catch(function () {
                // The network is down: the countdown goes on, and the server's own rule still holds.
            });
    }

    function activity() {
        if (Date.now() - lastReport >= reportEvery) {
            report();
        }
    }

    if (keep) {
        keep.addEventListener("click", report);
    }
    ["keydown", "pointerdown", "input"].forEach(function (name) {
        document.addEventListener(name, activity, { passive: true });
    });
    tick();
    window.setInterval(tick, 500);
})();
