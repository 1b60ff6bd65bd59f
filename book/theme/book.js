// The book's reader features: dark mode, the table of contents on a
// phone, the ← and → keys, copy buttons and search. Plain script, no
// modules, so that the pages work from file:// as well as served.
(function () {
  "use strict";

  var doc = document.documentElement;
  var root = doc.dataset.root || "";

  // Dark mode: follows the system until the reader chooses, then keeps
  // the choice (the script in each page's head applies it before drawing).
  var THEME_KEY = "tcpbook-theme";
  var themeButton = document.querySelector(".theme-button");
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)");

  function storedTheme() {
    try {
      return localStorage.getItem(THEME_KEY);
    } catch (e) {
      return null;
    }
  }

  function applyTheme(theme) {
    doc.dataset.theme = theme;
    themeButton.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
  }

  applyTheme(doc.dataset.theme === "dark" ? "dark" : "light");
  themeButton.addEventListener("click", function () {
    var theme = doc.dataset.theme === "dark" ? "light" : "dark";
    applyTheme(theme);
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch (e) {
      // Private mode: the choice lasts for this page only.
    }
  });
  systemDark.addEventListener("change", function (e) {
    if (!storedTheme()) applyTheme(e.matches ? "dark" : "light");
  });

  // The book's contents slide in on a phone.
  var menuButton = document.querySelector(".menu-button");

  function setSidebar(open) {
    document.body.classList.toggle("sidebar-open", open);
    menuButton.setAttribute("aria-expanded", open ? "true" : "false");
  }

  menuButton.addEventListener("click", function () {
    setSidebar(!document.body.classList.contains("sidebar-open"));
  });
  document.addEventListener("click", function (e) {
    if (document.body.classList.contains("sidebar-open") && !e.target.closest(".sidebar, .menu-button")) {
      setSidebar(false);
    }
  });
  var current = document.querySelector('.sidebar [aria-current="page"]');
  if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest" });

  // What a screen reader says of itself: the count of search results, a
  // copy done. One polite live region, in the page from the start (a
  // region made when it has something to say may go unheard), whose text
  // changes. After a delay, when given one: each keystroke in the search
  // box restarts it, so that the count is said once the reader pauses.
  var announcer = document.getElementById("announcer");
  var announceTimer = 0;

  function announce(text, delay) {
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      // The same words again are news too, and only a change is read out.
      announcer.textContent = announcer.textContent === text ? text + "\u00a0" : text;
    }, delay || 0);
  }

  // Copy buttons. A console block's button copies its commands only
  // (data-copy, made by mdrun book); any other copies the code.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      area.remove();
      if (ok) resolve();
      else reject(new Error("copy failed"));
    });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("button.copy");
    if (!button) return;
    var text = button.dataset.copy;
    if (text === undefined) {
      text = button.parentElement.querySelector("pre").textContent.replace(/\n$/, "");
    }
    copyText(text).then(
      function () { flash(button, "コピーしました", true); },
      function () { flash(button, "コピーできませんでした", false); }
    );
  });

  function flash(button, label, ok) {
    button.textContent = label;
    announce(label);
    button.classList.toggle("done", ok);
    clearTimeout(button.flashTimer);
    button.flashTimer = setTimeout(function () {
      button.textContent = "コピー";
      button.classList.remove("done");
    }, 1500);
  }

  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  // Above the page on a narrow screen, the page's contents start folded.
  var tocToggle = document.querySelector(".page-toc-toggle");
  var tocList = document.getElementById("page-toc-list");

  function setToc(open) {
    tocToggle.setAttribute("aria-expanded", open ? "true" : "false");
    tocList.hidden = !open;
  }

  if (tocToggle) {
    tocToggle.addEventListener("click", function () {
      setToc(tocList.hidden);
    });
    // Folded on a narrow screen, open on a wide one, also when the
    // window is resized or the tablet turned.
    var narrow = window.matchMedia("(max-width: 75rem)");
    if (narrow.matches) setToc(false);
    narrow.addEventListener("change", function (e) { setToc(!e.matches); });
  }

  // The page's contents mark the section being read.
  var tocLinks = Array.prototype.slice.call(document.querySelectorAll(".page-toc a"));
  var tocTargets = tocLinks.map(function (a) {
    return document.getElementById(decodeURIComponent(a.hash.slice(1)));
  });
  var spyQueued = false;

  function spy() {
    spyQueued = false;
    var active = -1;
    for (var i = 0; i < tocTargets.length; i++) {
      if (tocTargets[i] && tocTargets[i].getBoundingClientRect().top < 120) active = i;
    }
    tocLinks.forEach(function (a, i) { a.classList.toggle("active", i === active); });
  }

  if (tocLinks.length) {
    window.addEventListener("scroll", function () {
      if (!spyQueued) {
        spyQueued = true;
        requestAnimationFrame(spy);
      }
    }, { passive: true });
    spy();
  }

  // Search: the index maps each pair of adjacent characters to the
  // sections that contain it (mdrun book writes it; see
  // internal/site/search.go). A query's pairs narrow the sections down,
  // and each is then checked to contain the whole query, so that any
  // substring is found, in Japanese as in Go.
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  var index = null;
  var indexLoading = null;
  var selected = -1;
  var SEARCH_PAUSE = 400; // ms without a keystroke before the count is said

  // fold is Fold in search.go: ASCII lower-cased, full-width ASCII and
  // the ideographic space made half-width, one UTF-16 unit for one.
  function fold(s) {
    return s.replace(/[A-Z\uFF01-\uFF5E\u3000]/g, function (c) {
      var n = c.charCodeAt(0);
      if (n === 0x3000) return " ";
      if (n >= 0xff01) n = n - 0xff01 + 0x21;
      if (n >= 0x41 && n <= 0x5a) n += 0x20;
      return String.fromCharCode(n);
    });
  }

  function loadIndex() {
    if (!indexLoading) {
      indexLoading = new Promise(function (resolve, reject) {
        if (window.tcpbookSearch) {
          resolve(window.tcpbookSearch);
          return;
        }
        var s = document.createElement("script");
        s.src = root + "search-index.js";
        s.onload = function () { resolve(window.tcpbookSearch); };
        s.onerror = function () { reject(new Error("検索の索引を読み込めませんでした")); };
        document.head.appendChild(s);
      }).then(function (data) {
        index = data;
        index.folded = data.docs.map(function (d) { return fold(d.t); });
        index.foldedTitles = data.docs.map(function (d) { return fold(d.s); });
      });
    }
    return indexLoading;
  }

  function intersect(a, b) {
    var out = [];
    var i = 0;
    var j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        out.push(a[i]);
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return out;
  }

  function count(text, term) {
    var n = 0;
    for (var at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + term.length)) n++;
    return n;
  }

  function search(query) {
    var terms = fold(query).split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    var candidates = null;
    terms.forEach(function (t) {
      var chars = Array.from(t);
      for (var i = 0; i + 1 < chars.length; i++) {
        var docs = index.grams[chars[i] + chars[i + 1]] || [];
        candidates = candidates === null ? docs : intersect(candidates, docs);
      }
    });
    if (candidates === null) candidates = index.docs.map(function (d, i) { return i; });
    var hits = [];
    candidates.forEach(function (i) {
      var text = index.folded[i];
      var score = 0;
      for (var k = 0; k < terms.length; k++) {
        var n = count(text, terms[k]);
        if (!n) return;
        score += n + (index.foldedTitles[i].indexOf(terms[k]) >= 0 ? 10 : 0);
      }
      hits.push({ doc: i, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    return hits.map(function (h) { return { doc: index.docs[h.doc], folded: index.folded[h.doc], terms: terms }; });
  }

  // snippet shows the text around the first match, matches marked.
  function snippet(hit) {
    var text = hit.doc.t;
    var at = hit.folded.indexOf(hit.terms[0]);
    var start = Math.max(0, at - 30);
    var end = Math.min(text.length, at + hit.terms[0].length + 70);
    var out = document.createElement("span");
    out.className = "snippet";
    var part = hit.folded.slice(start, end);
    var pos = 0;
    if (start > 0) out.append("…");
    while (pos < part.length) {
      var next = -1;
      var len = 0;
      hit.terms.forEach(function (t) {
        var i = part.indexOf(t, pos);
        if (i >= 0 && (next < 0 || i < next)) {
          next = i;
          len = t.length;
        }
      });
      if (next < 0) {
        out.append(text.slice(start + pos, end));
        break;
      }
      out.append(text.slice(start + pos, start + next));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start + next, start + next + len);
      out.append(mark);
      pos = next + len;
    }
    if (end < text.length) out.append("…");
    return out;
  }

  function show() {
    var query = input.value.trim();
    selected = -1;
    if (!query) {
      results.hidden = true;
      results.textContent = "";
      clearTimeout(announceTimer);
      announcer.textContent = "";
      return;
    }
    var hits = search(query);
    results.textContent = "";
    var summary = document.createElement("p");
    summary.className = "summary";
    summary.textContent = hits.length
      ? "「" + query + "」を含む節: " + hits.length + " 件"
      : "「" + query + "」を含む節は見つかりませんでした";
    results.append(summary);
    // Read out: the count, not every result.
    announce(summary.textContent, SEARCH_PAUSE);
    if (hits.length) {
      var list = document.createElement("ol");
      hits.slice(0, 50).forEach(function (hit) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = root + hit.doc.u;
        var where = document.createElement("span");
        where.className = "where";
        where.textContent = hit.doc.p;
        var heading = document.createElement("span");
        heading.className = "heading";
        heading.textContent = hit.doc.s;
        a.append(where, heading, snippet(hit));
        li.append(a);
        list.append(li);
      });
      results.append(list);
    }
    results.hidden = false;
  }

  // ↓ and ↑ move the focus through the results (a screen reader reads
  // the focused link); ↑ from the first goes back to the box.
  function select(step) {
    var links = results.querySelectorAll("a");
    if (!links.length) return;
    selected += step;
    if (selected < 0) {
      selected = -1;
      input.focus();
      return;
    }
    selected = Math.min(selected, links.length - 1);
    links[selected].focus();
  }

  function closeSearch() {
    results.hidden = true;
  }

  input.addEventListener("focus", function () {
    selected = -1;
    loadIndex();
  });
  input.addEventListener("input", function () {
    loadIndex().then(show, function (err) {
      results.textContent = err.message;
      results.hidden = false;
      announce(err.message);
    });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      select(e.key === "ArrowDown" ? 1 : -1);
      e.preventDefault();
    } else if (e.key === "Enter") {
      var links = results.querySelectorAll("a");
      var a = links[selected >= 0 ? selected : 0];
      if (a) {
        closeSearch();
        a.click();
      }
      e.preventDefault();
    } else if (e.key === "Escape") {
      if (results.hidden) input.blur();
      closeSearch();
    }
  });
  results.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      select(e.key === "ArrowDown" ? 1 : -1);
      e.preventDefault();
    } else if (e.key === "Escape") {
      closeSearch();
      input.focus();
      e.preventDefault();
    }
  });
  results.addEventListener("click", function (e) {
    if (e.target.closest("a")) closeSearch();
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest(".search")) closeSearch();
  });

  // Keys: ← and → turn the page, / goes to the search box (the box says
  // so: aria-keyshortcuts, and the / drawn in it). None of them acts while
  // the reader types, in a form field or in editable text, nor with Ctrl,
  // Alt or Meta held: those keys are the browser's, the system's or an
  // assistive technology's.
  function typing(el) {
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
    var target = e.target instanceof Element ? e.target : document.body;
    if (typing(target)) return;
    if (e.key === "/") {
      // Shift may be what types a / (on a German keyboard, say): e.key is
      // the character typed, so Shift with the / key itself is "?".
      e.preventDefault();
      input.focus();
      return;
    }
    // Shift with an arrow selects text; in a box that scrolls, the arrows
    // scroll it.
    if (e.shiftKey || target.closest("pre, .table-wrap, .search-results")) return;
    if (e.key === "Escape") {
      setSidebar(false);
      return;
    }
    var rel = { ArrowLeft: "prev", ArrowRight: "next" }[e.key];
    if (rel) {
      var link = document.querySelector('.pager a[rel="' + rel + '"]');
      if (link) {
        e.preventDefault();
        window.location.href = link.href;
      }
    }
  });
})();
