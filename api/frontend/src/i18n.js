// The page's words and formats: the server hands them over in the request's language
// (api/explorer.py, translated by registry/locale/fr), as the JSON of #explorer-config.

export const config = JSON.parse(document.getElementById("explorer-config").textContent);

/** The sentence `key`, its `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = config.messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** A metric as a reader wants it: integers whole, the rest to 3 significant digits. */
export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return value.toLocaleString(config.lang);
  return value.toLocaleString(config.lang, { maximumSignificantDigits: 3 });
}

/** A date (`YYYY-MM-DD`) as the page's language writes it: 04/12/2026 in French, ISO in
 * English (as the SVG picture and the renewal sentences, graph/export/messages.py). */
export function formatDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ""));
  if (!match) return String(iso ?? "–");
  return config.lang === "fr" ? `${match[3]}/${match[2]}/${match[1]}` : match[0];
}

/** The renewal sentence of the page's language (`message_fr` or `message_en`). */
export function inLanguage(item, field = "message") {
  return item[`${field}_${config.lang}`] ?? item[`${field}_en`] ?? "";
}

/** A DOM element with attributes and children (strings become text, never HTML). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}
