// The query page's editor (issue 12): progressive enhancement of the plain GET form of
// /sparql (server/templates/sparql.html), which keeps working without this script.
//
// - CodeMirror 6 with the SPARQL mode of @codemirror/legacy-modes: highlighting,
//   brackets, history, search; completion of SPARQL keywords, the endpoint's
//   predeclared prefixes and the dataset's classes and properties (with their labels)
//   from /sparql/vocabulary.json.
// - Ctrl+Enter (Cmd+Enter) or "Run query" runs the query in place: the server renders
//   the result section (labels, prefixed names, downloads, query time), this script
//   makes its table sortable and paged, and updates the address (the share link).
// - "Copy as curl": the command for the current query against the public endpoint URL
//   (data-endpoint, from the server's configured public base, never the Host header).
//
// The page's Content-Security-Policy allows scripts of this origin only and no inline
// style: the editor is mounted in a shadow root, where CodeMirror's styles are
// constructed stylesheets (adoptedStyleSheets), which the policy does not govern. Nothing
// here sets a style attribute or uses eval.
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { StreamLanguage, syntaxTree, syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import { autocompletion, completionKeymap, closeBrackets, startCompletion } from "@codemirror/autocomplete";
import { searchKeymap } from "@codemirror/search";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";

const PAGE_SIZE = 25;
const KEYWORDS = ["SELECT", "DISTINCT", "REDUCED", "WHERE", "OPTIONAL", "FILTER", "UNION", "MINUS",
  "GRAPH", "BIND", "VALUES", "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASK",
  "CONSTRUCT", "DESCRIBE", "PREFIX", "BASE", "FROM", "FROM NAMED", "NOT EXISTS", "EXISTS",
  "COUNT", "SAMPLE", "GROUP_CONCAT", "STR", "LANG", "LANGMATCHES", "REGEX", "CONTAINS",
  "STRSTARTS", "YEAR", "COALESCE", "IF", "isIRI", "isLiteral", "DESC", "ASC", "AS"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) node.setAttribute(k, "");
    else if (v !== false && v != null) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// -- completion ---------------------------------------------------------------

// Before a colon: the predeclared prefixes (picking one opens the list of its terms)
// and the keywords; after "prefix:", that prefix's classes and properties of the data.
function completionSource(vocab) {
  return (context) => {
    const word = context.matchBefore(/[A-Za-z_][\w-]*:?[\w.-]*/);
    if (!word || (word.from === word.to && !context.explicit)) {
      return context.explicit ? { from: context.pos, options: prefixOptions(vocab) } : null;
    }
    const token = syntaxTree(context.state).resolveInner(context.pos, -1).name;
    if (/comment|string/.test(token)) return null;                    // not in a comment or a string
    const before = context.state.sliceDoc(Math.max(0, word.from - 1), word.from);
    if (before === "?" || before === "$") return null;                // a variable
    const colon = word.text.indexOf(":");
    if (colon < 0) {
      return { from: word.from, options: [...prefixOptions(vocab), ...KEYWORDS.map((k) => ({ label: k, type: "keyword" }))],
        validFor: /^[A-Za-z_][\w-]*$/ };
    }
    const prefix = word.text.slice(0, colon + 1);
    const terms = [];
    for (const [kind, list] of [["class", vocab.classes], ["property", vocab.properties]]) {
      for (const t of list || []) {
        if (t.name.startsWith(prefix)) {
          terms.push({ label: t.name, type: kind === "class" ? "class" : "property",
            detail: t.label ? `${kind} · ${t.label}` : kind, boost: kind === "class" ? 1 : 0 });
        }
      }
    }
    return { from: word.from, options: terms, validFor: /^[A-Za-z_][\w-]*:[\w.-]*$/ };
  };
}

function prefixOptions(vocab) {
  return Object.entries(vocab.prefixes || {}).map(([p, ns]) => ({
    label: p + ":", type: "namespace", detail: ns, boost: 2,
    apply: (view, completion, from, to) => {
      view.dispatch({ changes: { from, to, insert: completion.label },
        selection: { anchor: from + completion.label.length } });
      setTimeout(() => startCompletion(view), 0);                     // its terms next
    },
  }));
}

// -- results: sort and page the server's table ---------------------------------

function cellKey(td) {
  const text = td.textContent.trim();
  const n = Number(text.replace(/\s.*$/, ""));
  return text !== "" && !Number.isNaN(n) ? { n, text } : { n: null, text: text.toLowerCase() };
}

function compareKeys(a, b) {
  if (a.n !== null && b.n !== null) return a.n - b.n;
  if (a.text === "" || b.text === "") return a.text === "" ? 1 : -1;
  return a.text.localeCompare(b.text);
}

export function enhanceTable(table, status) {
  const tbody = table.tBodies[0];
  if (!tbody) return;
  const rows = [...tbody.rows];
  let page = 0;
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const pager = el("nav", { class: "pager", "aria-label": "Result pages" });
  const prev = el("button", { type: "button", class: "pager-prev" }, "Previous");
  const next = el("button", { type: "button", class: "pager-next" }, "Next");
  const where = el("span", { class: "pager-status", "aria-live": "polite" });
  pager.append(prev, " ", where, " ", next);

  function show() {
    const from = page * PAGE_SIZE;
    tbody.replaceChildren(...rows.slice(from, from + PAGE_SIZE));
    where.textContent = `Rows ${rows.length ? from + 1 : 0}–${Math.min(from + PAGE_SIZE, rows.length)} of ${rows.length}`;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  prev.addEventListener("click", () => { page = Math.max(0, page - 1); show(); });
  next.addEventListener("click", () => { page = Math.min(pages - 1, page + 1); show(); });

  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((th, index) => {
    const name = th.textContent;
    const button = el("button", { type: "button", class: "sort" }, name);
    button.setAttribute("aria-label", `Sort by ${name}`);
    th.replaceChildren(button);
    th.setAttribute("aria-sort", "none");
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach((h) => h.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const keyed = rows.map((r, i) => [cellKey(r.cells[index]), i, r]);
      keyed.sort((a, b) => (ascending ? 1 : -1) * compareKeys(a[0], b[0]) || a[1] - b[1]);
      rows.splice(0, rows.length, ...keyed.map((k) => k[2]));
      page = 0;
      show();
      if (status) status.textContent = `Sorted by ${name}, ${ascending ? "ascending" : "descending"}.`;
    });
  });
  if (rows.length > PAGE_SIZE) table.after(pager);
  show();
}

// -- curl -----------------------------------------------------------------------

function shellQuote(text) {
  return "'" + text.replace(/'/g, "'\\''") + "'";
}

export function curlCommand(endpoint, query) {
  const body = query.replace(/#[^\n]*/g, "");
  const graph = /\b(CONSTRUCT|DESCRIBE)\b/i.test(body);
  const accept = graph ? "text/turtle" : "application/sparql-results+json";
  return `curl ${shellQuote(endpoint)} -H ${shellQuote("Accept: " + accept)} --data-urlencode ${shellQuote("query=" + query)}`;
}

// -- typing over a selection ----------------------------------------------------------

// Chrome's own editing, when a typed character replaces a selection over several lines,
// merges the lines and writes style attributes to keep their look; the page's policy
// blocks those (a violation report each time) and CodeMirror redraws the lines anyway.
// So a character typed over a selection is inserted by CodeMirror itself (through the
// input handlers, so closing brackets and completion behave as when typing).
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== "insertText" || !event.data || view.state.selection.ranges.every((r) => r.empty)) {
      return false;
    }
    event.preventDefault();
    const { from, to } = view.state.selection.main;
    const insert = () => view.state.update(view.state.replaceSelection(event.data),
      { userEvent: "input.type", scrollIntoView: true });
    if (!view.state.facet(EditorView.inputHandler).some((h) => h(view, from, to, event.data, insert))) {
      view.dispatch(insert());
    }
    return true;
  },
});

// -- the page -------------------------------------------------------------------

async function loadVocabulary(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    return response.ok ? await response.json() : {};
  } catch (e) {
    return {};
  }
}

function start() {
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  if (!form || !textarea) return;
  const endpoint = form.dataset.endpoint;
  const status = el("p", { id: "editor-status", class: "editor-status", role: "status", "aria-live": "polite" });

  const vocabulary = { prefixes: {}, classes: [], properties: [] };
  const host = el("div", { class: "editor-host", id: "editor" });
  const shadow = host.attachShadow({ mode: "open" });
  const theme = EditorView.theme({
    "&": { border: "1px solid #8a8a8a", borderRadius: "3px", background: "#fff", fontSize: "0.95rem" },
    "&.cm-focused": { outline: "3px solid #1a5fb4", outlineOffset: "1px" },
    ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", minHeight: "14em" },
    ".cm-gutters": { background: "#f6f6f6", color: "#595959", borderRight: "1px solid #ddd" },
    ".cm-scroller": { maxHeight: "32em", overflow: "auto" },
    ".cm-tooltip-autocomplete ul li[aria-selected]": { background: "#1a5fb4", color: "#fff" },
    ".cm-completionDetail": { fontStyle: "normal", color: "inherit", opacity: "0.8", marginLeft: "1em" },
  });
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(), closeBrackets(),
        StreamLanguage.define(sparql), syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [(ctx) => completionSource(vocabulary)(ctx)], activateOnTyping: true }),
        keymap.of([
          { key: "Mod-Enter", run: () => { run(); return true; } },
          { key: "Ctrl-Enter", run: () => { run(); return true; } },
          ...completionKeymap, ...defaultKeymap, ...historyKeymap, ...searchKeymap,
        ]),
        typeOverSelection,
        EditorView.contentAttributes.of({ "aria-label": "SPARQL query (Ctrl+Enter runs it)" }),
        EditorView.updateListener.of((u) => { if (u.docChanged) textarea.value = u.state.doc.toString(); }),
        theme,
      ],
    }),
  });
  textarea.hidden = true;
  textarea.before(host);
  loadVocabulary(form.dataset.vocabulary).then((v) => Object.assign(vocabulary, v));

  // the toolbar: run, share, copy as curl
  const runButton = form.querySelector("button[type=submit]");
  const share = el("a", { id: "editor-share", href: location.href }, "Share link");
  const curlButton = el("button", { type: "button", id: "copy-curl" }, "Copy as curl");
  const curlOut = el("pre", { id: "curl-command", class: "curl-command", hidden: true });
  const hint = el("span", { class: "editor-hint" }, "Ctrl+Enter runs the query; Ctrl+Space completes prefixes, classes and properties.");
  const bar = el("p", { class: "editor-toolbar" }, share, " ", curlButton, " ", hint);
  runButton.parentElement.after(bar, curlOut, status);

  const query = () => view.state.doc.toString();
  function shareUrl() {
    const url = new URL(form.action, location.href);
    url.search = new URLSearchParams({ query: query() }).toString();
    return url.toString();
  }
  function syncShare() { share.href = shareUrl(); }
  view.dom.addEventListener("keyup", syncShare);
  syncShare();

  curlButton.addEventListener("click", async () => {
    const command = curlCommand(endpoint, query());
    curlOut.textContent = command;
    curlOut.hidden = false;
    try {
      await navigator.clipboard.writeText(command);
      status.textContent = "The curl command is copied to the clipboard (and shown below the buttons).";
    } catch (e) {
      status.textContent = "The curl command is shown below the buttons: select it to copy it.";
    }
  });

  async function run() {
    const fmt = form.querySelector("select[name=format]");
    if (fmt && fmt.value !== "html") { textarea.value = query(); form.submit(); return; }
    textarea.value = query();
    const url = shareUrl();
    status.textContent = "Running…";
    runButton.disabled = true;
    const started = performance.now();
    let html;
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      html = await response.text();
    } catch (e) {
      status.textContent = "The query could not be sent: " + e.message;
      runButton.disabled = false;
      return;
    }
    const elapsed = performance.now() - started;
    runButton.disabled = false;
    const doc = new DOMParser().parseFromString(html, "text/html");
    for (const old of document.querySelectorAll("#results, #error")) old.remove();
    const parts = [doc.getElementById("error"), doc.getElementById("results")].filter(Boolean);
    const adopted = parts.map((p) => document.adoptNode(p));
    status.after(...adopted);
    window.history.replaceState(null, "", url);
    syncShare();
    const time = document.getElementById("query-time");
    if (time) time.textContent += ` ${Math.round(elapsed)} ms in all, as this browser measured it.`;
    const results = document.getElementById("results");
    const table = results && results.querySelector("table");
    if (table) enhanceTable(table, status);
    status.textContent = doc.getElementById("error") ? "The query failed (see the message below)."
      : `Done in ${Math.round(elapsed)} ms.`;
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  const table = document.querySelector("#results table");
  if (table) enhanceTable(table, status);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
