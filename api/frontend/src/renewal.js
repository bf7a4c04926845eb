// The territory's bodies ranked by renewal score, beside the map: per body its score, its
// summary, and (opened) each indicator with its status and sentence, and its strengths
// when the assessment has them.

import { config, formatNumber, h, inLanguage, t } from "./i18n.js";

function indicatorItem(indicator, labels, kind = "indicator") {
  const status = indicator.status || "unknown";
  return h(
    "li",
    { class: `${kind} status-${status}`, "data-code": indicator.code },
    h("span", { class: "chip" }, t(kind === "strength" ? `strength_${status}` : status)),
    " ",
    h("strong", {}, labels[indicator.code] || inLanguage(indicator, "label") || indicator.code),
    indicator.value === null || indicator.value === undefined ? "" : ` (${formatNumber(indicator.value)})`,
    h("br"),
    inLanguage(indicator),
  );
}

/** One body of the ranking; `onSelect(node)` when its name is clicked. */
function bodyItem(entry, onSelect) {
  const node = `b${entry.body_id}`;
  const score = Math.round(entry.score ?? 0);
  // Strengths reached first (then not reached, then unknown), each kept in its declared order.
  const rank = { strength: 0, none: 1 };
  const strengths = (entry.strengths || [])
    .map((strength, i) => [rank[strength.status] ?? 2, i, strength])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, , strength]) => strength);
  const bar = h("span", { class: "score-bar" }, h("span", { class: "fill", "data-score": score }));
  const item = h(
    "li",
    { "data-body": entry.body_id, "data-score": score },
    h(
      "div",
      { class: "head" },
      h("button", { type: "button", class: "link", "data-node": node, onclick: () => onSelect(node) }, entry.body_name),
      h("span", { class: "score" }, `${t("score")} ${score}`),
      bar,
    ),
    h("p", { class: "summary" }, inLanguage(entry, "summary")),
    h(
      "details",
      {},
      h("summary", {}, t("indicators")),
      h("ul", { class: "indicators" }, (entry.indicators || []).map((indicator) => indicatorItem(indicator, config.indicators))),
      strengths.length
        ? [h("h4", {}, t("strengths")), h("ul", { class: "strengths" }, strengths.map((strength) => indicatorItem(strength, config.strengths || {}, "strength")))]
        : null,
    ),
  );
  item.querySelector(".fill").style.width = `${Math.max(0, Math.min(100, score))}%`;
  return item;
}

export function renderRenewal(list, ranking, onSelect) {
  const bodies = ranking.ranking || [];
  list.replaceChildren(...(bodies.length ? bodies.map((entry) => bodyItem(entry, onSelect)) : [h("li", { class: "hint" }, t("no_bodies"))]));
  list.dataset.state = "ready";
  list.dataset.count = String(bodies.length);
}
