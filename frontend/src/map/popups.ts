/** Popup bodies as plain DOM (MapLibre popups take DOM nodes; no glyphs or React root needed). */
import type { LayerDescriptor } from "../api/types";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

const HIDDEN = new Set(["thumbnail", "preview", "geometry"]);

export function popupContent(layer: LayerDescriptor, properties: Record<string, unknown>, openPhoto: (p: Record<string, unknown>) => void): HTMLElement {
  const root = el("div", { class: "popup", "data-testid": `popup-${layer.id}` });
  root.append(el("div", { class: "popup-title" }, layer.title));
  if (typeof properties.thumbnail === "string") {
    const img = el("img", { src: properties.thumbnail, alt: `Seabed image ${properties.id ?? ""}`, class: "popup-thumb", "data-testid": "popup-thumbnail" });
    root.append(img);
    const open = el("button", { type: "button", class: "link" }, "Open full image");
    open.addEventListener("click", () => openPhoto(properties));
    root.append(open);
  }
  const table = el("table", { class: "popup-props" });
  const preferred = ["id", "id_image", "habitat", "substratum", "individuals", "richness", "area_seabed_m2", "datetime", "depth_m"];
  const keys = [...preferred.filter((k) => k in properties), ...Object.keys(properties).filter((k) => !preferred.includes(k))]
    .filter((k) => !HIDDEN.has(k))
    .slice(0, 10);
  for (const k of keys) {
    const tr = el("tr");
    tr.append(el("th", {}, k.replace(/_/g, " ")), el("td", {}, formatValue(properties[k])));
    table.append(tr);
  }
  root.append(table);
  return root;
}

function formatValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (v === null || v === undefined) return "–";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}
