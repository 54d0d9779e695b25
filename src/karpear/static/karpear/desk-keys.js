/* Single-key shortcuts on the desk (issue #16, item 12).
 *
 * Progressive enhancement: every shortcut is an ordinary link, button, field or option that
 * works without this file (links and buttons also carry an accesskey). The keys are declared
 * in the page, on the element they act on, as data-key="n"; this script only finds that
 * element. Keys are ignored while typing in a field or with Ctrl, Alt or Meta held, so they
 * never take a letter from a text box or a browser shortcut. A key with nothing to act on says
 * so in the page's status line instead of silently doing nothing.
 */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function say(text) {
    var status = document.getElementById("key-status");
    if (status && text) status.textContent = text;
  }

  function act(element) {
    var tag = element.tagName.toLowerCase();
    if (tag === "option") {
      var select = element.parentElement;
      select.value = element.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      var then = document.getElementById(element.getAttribute("data-then") || "");
      (then || select).focus();
      say(element.getAttribute("data-said"));
    } else if (tag === "a" || tag === "button") {
      element.click();
    } else {
      element.focus();
    }
  }

  document.documentElement.setAttribute("data-keys", "on"); // tests wait for this
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    if (event.defaultPrevented || typing(event.target)) return;
    var key = event.key;
    if (key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) {
        help.open = !help.open;
        event.preventDefault();
      }
      return;
    }
    if (!/^[a-z]$/.test(key)) return;
    var help = document.getElementById("shortcuts");
    if (!help || !help.querySelector('[data-for="' + key + '"]')) return; // not a desk key
    event.preventDefault();
    var element = document.querySelector('[data-key="' + key + '"]');
    if (element) {
      act(element);
    } else {
      say(help.querySelector('[data-for="' + key + '"]').getAttribute("data-none"));
    }
  });
})();
